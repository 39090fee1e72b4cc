-- Cart sessions stored only as keyed hashes, cart bounds and request keys (docs/SECURITY.md,
-- docs/ARCHITECTURE.md "The cart").
--
-- A session is stored as HMAC-SHA256(secret, token or cookie id), 64 hex digits, in session_key.
-- The raw `session` column of the release before is kept (nullable) until atelier-etl keys its
-- values with the secret and drops it (src/etl/cart_sessions.cpp, run right after the
-- migrations): SQL alone cannot, as the secret is not the database's.
ALTER TABLE atelier.cart ADD COLUMN IF NOT EXISTS session_key text;
ALTER TABLE atelier.cart ALTER COLUMN session DROP NOT NULL;
CREATE INDEX IF NOT EXISTS cart_session_key_sku_active ON atelier.cart (session_key, sku_id)
  WHERE active;

-- What each cart add answered, by session and request key (the client's Idempotency-Key, else the
-- edge's request id, else one the host made), for 24 hours: the same key again adds nothing and
-- gets the same answer, including after a retry that follows a lost connection or a failover.
CREATE TABLE IF NOT EXISTS atelier.cart_requests (
  session_key text NOT NULL,
  request_key text NOT NULL,
  sku_id      int8 NOT NULL,
  status      int2 NOT NULL,
  bound       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_key, request_key)
);
CREATE INDEX IF NOT EXISTS cart_requests_created_at ON atelier.cart_requests (created_at);

-- One cart add, whole, in one round trip (docs/CART.md): the request key's earlier answer if it
-- has one; else the sku must exist (422) and the session stay within its bounds (409, `bound`
-- names which: 'units' of one sku, or distinct 'skus'); the unit and the answer are written
-- together. Adds of one session are serialized by a transaction-scoped advisory lock, so
-- concurrent adds never pass a bound together and never lose a unit. `previous_key` (or '') is
-- the session's key under the secret being rotated out: its rows move to the current key first.
-- SECURITY DEFINER: the API role calls it and reads carts, but cannot write the tables itself.
CREATE OR REPLACE FUNCTION atelier.cart_add(p_key text, p_previous_key text, p_sku int8,
                                            p_request text, p_max_skus int, p_max_units int,
                                            OUT status int, OUT replayed bool, OUT bound text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $cart_add$
DECLARE
  earlier_sku int8;
  units int;
  skus int;
  has_sku bool;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_key, 0));
  IF p_previous_key <> '' AND p_previous_key <> p_key THEN
    UPDATE atelier.cart SET session_key = p_key WHERE session_key = p_previous_key;
    UPDATE atelier.cart_requests SET session_key = p_key
      WHERE session_key = p_previous_key
        AND request_key NOT IN (SELECT request_key FROM atelier.cart_requests WHERE session_key = p_key);
  END IF;
  SELECT r.status, r.sku_id, r.bound INTO status, earlier_sku, bound FROM atelier.cart_requests r
    WHERE r.session_key = p_key AND r.request_key = p_request
      AND r.created_at > now() - interval '24 hours';
  IF FOUND THEN
    replayed := true;
    IF earlier_sku <> p_sku THEN
      status := 422;
      bound := 'key_reused';
    END IF;
    RETURN;
  END IF;
  replayed := false;
  bound := NULL;
  DELETE FROM atelier.cart_requests r WHERE r.session_key = p_key AND r.request_key = p_request;
  IF NOT EXISTS (SELECT 1 FROM catalog.skus WHERE id = p_sku) THEN
    status := 422;
  ELSE
    SELECT count(*) FILTER (WHERE c.sku_id = p_sku), count(DISTINCT c.sku_id),
           coalesce(bool_or(c.sku_id = p_sku), false)
      INTO units, skus, has_sku
      FROM atelier.cart c WHERE c.session_key = p_key AND c.active;
    IF units >= p_max_units THEN
      status := 409;
      bound := 'units';
    ELSIF NOT has_sku AND skus >= p_max_skus THEN
      status := 409;
      bound := 'skus';
    ELSE
      INSERT INTO atelier.cart (session_key, sku_id) VALUES (p_key, p_sku);
      status := 201;
    END IF;
  END IF;
  INSERT INTO atelier.cart_requests (session_key, request_key, sku_id, status, bound)
    VALUES (p_key, p_request, p_sku, status, bound);
END
$cart_add$;

-- Request keys older than a day answer nothing any more; the hosts call this now and then.
CREATE OR REPLACE FUNCTION atelier.cart_forget_requests() RETURNS int8
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $forget$
  WITH gone AS (DELETE FROM atelier.cart_requests WHERE created_at < now() - interval '24 hours'
                RETURNING 1)
  SELECT count(*) FROM gone;
$forget$;
REVOKE ALL ON FUNCTION atelier.cart_add(text, text, int8, text, int, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION atelier.cart_forget_requests() FROM PUBLIC;

