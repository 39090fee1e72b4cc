-- Permanent objects of the Atelier database (docs/ARCHITECTURE.md, "Database layout").
-- Idempotent: atelier-etl runs this file at the start of every load.

CREATE SCHEMA IF NOT EXISTS atelier;
CREATE SCHEMA IF NOT EXISTS catalog;

-- Dataset versions come from a sequence so that two loads can never pick the same schema name.
CREATE SEQUENCE IF NOT EXISTS atelier.dataset_version_seq;

-- One row per load. state: loading -> active -> retired -> dropped, or loading -> failed.
CREATE TABLE IF NOT EXISTS atelier.datasets (
  version      int8 PRIMARY KEY,
  schema_name  text NOT NULL,
  state        text NOT NULL DEFAULT 'loading'
               CHECK (state IN ('loading', 'active', 'retired', 'failed', 'dropped')),
  source_dir   text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  activated_at timestamptz,
  row_counts   jsonb,
  rejected     int8,
  repaired     int8,
  error        text
);

-- At most one served dataset at any time.
CREATE UNIQUE INDEX IF NOT EXISTS datasets_one_active ON atelier.datasets ((true))
  WHERE state = 'active';

-- What the loader rejected or repaired (CONTRACT §4: file, line, reason, counts).
CREATE TABLE IF NOT EXISTS atelier.rejects (
  version int8 NOT NULL,
  file    text NOT NULL,
  line    int8 NOT NULL,
  reason  text NOT NULL,
  action  text NOT NULL CHECK (action IN ('rejected', 'repaired')),
  excerpt text
);
CREATE INDEX IF NOT EXISTS rejects_version_file_line ON atelier.rejects (version, file, line);
-- Lines rejected by a partial update name its publish (NULL for a full load's).
ALTER TABLE atelier.rejects ADD COLUMN IF NOT EXISTS publish_id int8;

-- One row per unit added to a cart. A cart belongs to a session, stored only as a keyed hash of
-- it (session_key: HMAC-SHA256 of the token or cookie id with the hosts' session secret, 64 hex
-- digits), so a copy of the database names no shopper's bearer secret (docs/SECURITY.md). Rows from
-- cart.csv carry their source id so reloads are idempotent (ON CONFLICT (source_id) DO NOTHING);
-- rows posted through the API have no source id and survive every reload.
CREATE TABLE IF NOT EXISTS atelier.cart (
  id          bigserial PRIMARY KEY,
  session_key text NOT NULL,
  sku_id      int8 NOT NULL,
  active      bool NOT NULL DEFAULT true,
  source_id   int8 UNIQUE,
  created_at  timestamptz DEFAULT now()
);
-- A cart table from before sessions were hashed holds the raw value in `session`: the column is
-- added here and filled, and `session` dropped, by atelier-etl's cart-session migration
-- (src/etl/cart_sessions.cpp), which knows the secret.
ALTER TABLE atelier.cart ADD COLUMN IF NOT EXISTS session_key text;
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

-- One row per publish that changed what the API serves: a full load or a partial update
-- (docs/ARCHITECTURE.md "Catalog changes"). Hosts LISTEN on the channel atelier_catalog (payload:
-- the publish id) and read the publishes after the last one they applied, so a host that missed
-- notifications (disconnected, restarted) catches up from here.
CREATE TABLE IF NOT EXISTS atelier.publishes (
  id              bigserial PRIMARY KEY,
  dataset_version int8 NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('load', 'update')),
  published_at    timestamptz NOT NULL DEFAULT now(),
  changed         int8 NOT NULL DEFAULT 0,
  added           int8 NOT NULL DEFAULT 0,
  deleted         int8 NOT NULL DEFAULT 0,
  -- false when the publish changed too many products to list (a first load): hosts then re-read
  -- every product's revision instead of applying atelier.changes.
  changes_listed  bool NOT NULL DEFAULT true,
  source_dir      text
);

-- What the publish read: rows accepted, lines rejected and repaired (all files; for a partial
-- update, its files). The monitoring's reject-ratio alert reads the newest publish.
ALTER TABLE atelier.publishes ADD COLUMN IF NOT EXISTS rows int8;
ALTER TABLE atelier.publishes ADD COLUMN IF NOT EXISTS rejected int8;
ALTER TABLE atelier.publishes ADD COLUMN IF NOT EXISTS repaired int8;

-- The products whose bodies a publish changed, with their new revision (NULL: deleted).
CREATE TABLE IF NOT EXISTS atelier.changes (
  publish_id int8 NOT NULL REFERENCES atelier.publishes (id) ON DELETE CASCADE,
  product_id int8 NOT NULL,
  revision   int8,
  PRIMARY KEY (publish_id, product_id)
);

-- The monitoring role (scripts/lib/observe.sh) reads the loads and publishes, when it exists.
DO $monitor$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atelier_monitor') THEN
    GRANT USAGE ON SCHEMA atelier TO atelier_monitor;
    GRANT SELECT ON atelier.datasets, atelier.publishes TO atelier_monitor;
  END IF;
END $monitor$;

-- The API role reads both through the catalog schema, like the catalog itself.
CREATE OR REPLACE VIEW catalog.publishes AS
  SELECT id, dataset_version, kind, published_at, changed, added, deleted, changes_listed
  FROM atelier.publishes;
CREATE OR REPLACE VIEW catalog.changes AS
  SELECT publish_id, product_id, revision FROM atelier.changes;
