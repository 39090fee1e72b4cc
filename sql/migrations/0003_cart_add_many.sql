-- Group commit of cart adds (docs/CART.md): several adds in one statement, so one transaction and
-- one WAL flush. Element i of the arrays is one add with exactly atelier.cart_add's meaning (it is
-- called for it): its own status, replay and bound, so a 422 or a 409 of one element leaves the
-- others as they are. Elements run in array order, so two adds of one session keep their order,
-- and an element sees the elements before it (a request key used twice in one batch replays).
--
-- Every session's advisory lock is taken first, in ascending order of the lock's number: two
-- batches (two hosts) that share sessions then wait for each other in one order and never
-- deadlock; cart_add's own lock on the same session is taken again within the transaction, which
-- PostgreSQL allows. The arrays must have one element per add and no NULL among the keys, skus,
-- request keys and bounds (22023 otherwise). SECURITY DEFINER like cart_add.
CREATE OR REPLACE FUNCTION atelier.cart_add_many(p_keys text[], p_previous_keys text[],
                                                 p_skus int8[], p_requests text[],
                                                 p_max_skus int[], p_max_units int[])
RETURNS TABLE (ord int, status int, replayed bool, bound text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $cart_add_many$
DECLARE
  n int := coalesce(cardinality(p_keys), 0);
  lock_number int8;
BEGIN
  IF coalesce(cardinality(p_previous_keys), 0) <> n OR coalesce(cardinality(p_skus), 0) <> n
     OR coalesce(cardinality(p_requests), 0) <> n OR coalesce(cardinality(p_max_skus), 0) <> n
     OR coalesce(cardinality(p_max_units), 0) <> n THEN
    RAISE EXCEPTION 'cart_add_many: every array needs one element per add (% keys)', n
      USING ERRCODE = '22023';
  END IF;
  IF array_position(p_keys, NULL) IS NOT NULL OR array_position(p_skus, NULL) IS NOT NULL
     OR array_position(p_requests, NULL) IS NOT NULL
     OR array_position(p_max_skus, NULL) IS NOT NULL
     OR array_position(p_max_units, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'cart_add_many: a session key, sku, request key or bound is NULL'
      USING ERRCODE = '22023';
  END IF;
  FOR lock_number IN
    SELECT DISTINCT hashtextextended(k, 0) FROM unnest(p_keys) AS k ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(lock_number);
  END LOOP;
  FOR i IN 1 .. n LOOP
    ord := i;
    SELECT a.status, a.replayed, a.bound INTO status, replayed, bound
      FROM atelier.cart_add(p_keys[i], coalesce(p_previous_keys[i], ''), p_skus[i], p_requests[i],
                            p_max_skus[i], p_max_units[i]) AS a;
    RETURN NEXT;
  END LOOP;
END
$cart_add_many$;
REVOKE ALL ON FUNCTION atelier.cart_add_many(text[], text[], int8[], text[], int[], int[])
  FROM PUBLIC;

-- The hosts call it like cart_add (atelier-etl grants both again at every load).
DO $api$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atelier_api') THEN
    GRANT EXECUTE ON FUNCTION atelier.cart_add_many(text[], text[], int8[], text[], int[], int[])
      TO atelier_api;
  END IF;
END $api$;
