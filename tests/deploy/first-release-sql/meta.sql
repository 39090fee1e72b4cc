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

-- One row per unit added to a cart. Rows from cart.csv carry their source id so reloads are
-- idempotent (ON CONFLICT (source_id) DO NOTHING); rows posted through the API have no source id
-- and survive every reload.
CREATE TABLE IF NOT EXISTS atelier.cart (
  id         bigserial PRIMARY KEY,
  session    text NOT NULL,
  sku_id     int8 NOT NULL,
  active     bool NOT NULL DEFAULT true,
  source_id  int8 UNIQUE,
  created_at timestamptz DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cart_session_sku_active ON atelier.cart (session, sku_id) WHERE active;
