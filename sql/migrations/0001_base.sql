-- Migration 1: the permanent objects of the Atelier database as the releases before schema
-- versions made them (docs/ARCHITECTURE.md, "Database layout"; docs/OPERATIONS.md, "Schema
-- migrations"). Idempotent DDL, so it also brings a database made by an earlier release (which
-- ran an older copy of this text at every load) to version 1 without touching its rows.
-- Never edit a migration once released: add sql/migrations/NNNN_name.sql instead.

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

-- Hosts read the schema version at start (they refuse a schema newer than they know).
DO $api$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'atelier_api') THEN
    GRANT USAGE ON SCHEMA atelier TO atelier_api;
    GRANT SELECT ON atelier.schema_migrations TO atelier_api;
  END IF;
END $api$;

-- The API role reads both through the catalog schema, like the catalog itself.
CREATE OR REPLACE VIEW catalog.publishes AS
  SELECT id, dataset_version, kind, published_at, changed, added, deleted, changes_listed
  FROM atelier.publishes;
CREATE OR REPLACE VIEW catalog.changes AS
  SELECT publish_id, product_id, revision FROM atelier.changes;
