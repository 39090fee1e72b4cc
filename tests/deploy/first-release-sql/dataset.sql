-- Tables of one dataset version (docs/ARCHITECTURE.md, "Dataset tables"; the column names are
-- the API's contract with the loader). atelier-etl substitutes:
--   ${SCHEMA}     the dataset schema, atelier_v<version>
--   ${LOADED_AT}  the load's timestamp (one value for the whole load)
-- Each "-- table: <name>" section runs in the transaction that COPYs that table, so that on a
-- wal_level=minimal server the COPY skips WAL. No constraints here: keys and indexes are built
-- after the COPY (indexes.sql), which is much faster than maintaining them row by row.

-- table: products
CREATE TABLE ${SCHEMA}.products (
  id            int8 NOT NULL,
  name          text NOT NULL,
  slogan        text NOT NULL,
  description   text NOT NULL,
  category      text NOT NULL,
  default_price numeric(15,2) NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT '${LOADED_AT}',
  updated_at    timestamptz NOT NULL DEFAULT '${LOADED_AT}',
  rank          int8 NOT NULL
);

-- table: features
CREATE TABLE ${SCHEMA}.features (
  id         int8 NOT NULL,
  product_id int8 NOT NULL,
  line       int8 NOT NULL,
  feature    text NOT NULL,
  value      text
);

-- table: styles
CREATE TABLE ${SCHEMA}.styles (
  id             int8 NOT NULL,
  product_id     int8 NOT NULL,
  name           text NOT NULL,
  sale_price     numeric(15,2),
  original_price numeric(15,2) NOT NULL,
  default_style  bool NOT NULL
);

-- table: photos
CREATE TABLE ${SCHEMA}.photos (
  id            int8 NOT NULL,
  style_id      int8 NOT NULL,
  line          int8 NOT NULL,
  url           text,
  thumbnail_url text
);

-- table: skus
CREATE TABLE ${SCHEMA}.skus (
  id       int8 NOT NULL,
  style_id int8 NOT NULL,
  size     text NOT NULL,
  quantity int8 NOT NULL
);

-- table: related
CREATE TABLE ${SCHEMA}.related (
  id                 int8 NOT NULL,
  product_id         int8 NOT NULL,
  related_product_id int8 NOT NULL,
  line               int8 NOT NULL
);
