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
  -- When the product first appeared, and when its rows (in any file) last changed: carried over
  -- from the previous dataset for a product whose content digest is unchanged.
  created_at    timestamptz NOT NULL DEFAULT '${LOADED_AT}',
  updated_at    timestamptz NOT NULL DEFAULT '${LOADED_AT}',
  -- Names the product's served bodies: a digest of its rows and of the two timestamps. Cache keys
  -- and hosts' revision tables use it (docs/ARCHITECTURE.md "Revisions").
  revision      int8 NOT NULL
);

-- What the loader and the partial update need to recompute a product's revision: the digest of its
-- rows in each file (0 = no rows). Never read by the API.
-- table: product_state
CREATE TABLE ${SCHEMA}.product_state (
  product_id int8 NOT NULL,
  d_product  int8 NOT NULL,
  d_features int8 NOT NULL,
  d_styles   int8 NOT NULL,
  d_photos   int8 NOT NULL,
  d_skus     int8 NOT NULL,
  d_related  int8 NOT NULL
);

-- The product list's pages without a rank column: products are grouped in blocks of 1024 ids
-- (block = id >> 10); products_before counts the products of all lower blocks. A page starts in
-- the block with the largest products_before below its first rank, at most 1023 rows in, so a
-- partial update that adds or deletes products recomputes about a thousand rows instead of
-- renumbering a million.
-- table: page_blocks
CREATE TABLE ${SCHEMA}.page_blocks (
  block           int8 NOT NULL,
  products_before int8 NOT NULL,
  products        int8 NOT NULL
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

-- Photos and skus also carry the product id of their style (the loader knows it from the styles
-- file): the styles read then finds all of a product's photos and skus with one index range each
-- instead of one index descent per style (about 2x fewer buffer visits, 1.9x the statements/s,
-- docs/ARCHITECTURE.md). It is the last column so that the catalog views of an older dataset can
-- be replaced in place (CREATE OR REPLACE VIEW may only add columns at the end).

-- table: photos
CREATE TABLE ${SCHEMA}.photos (
  id            int8 NOT NULL,
  style_id      int8 NOT NULL,
  line          int8 NOT NULL,
  url           text,
  thumbnail_url text,
  product_id    int8 NOT NULL
);

-- table: skus
CREATE TABLE ${SCHEMA}.skus (
  id         int8 NOT NULL,
  style_id   int8 NOT NULL,
  size       text NOT NULL,
  quantity   int8 NOT NULL,
  product_id int8 NOT NULL,
  line       int8 NOT NULL  -- a style's skus are served in source-file order (CONTRACT §1)
);

-- table: related
CREATE TABLE ${SCHEMA}.related (
  id                 int8 NOT NULL,
  product_id         int8 NOT NULL,
  related_product_id int8 NOT NULL,
  line               int8 NOT NULL
);
