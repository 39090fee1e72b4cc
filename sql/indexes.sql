-- Keys and indexes of one dataset version, built after the COPY of each table (same transaction).
-- ${SCHEMA} is substituted by atelier-etl. The API's queries rely on exactly these:
-- products by id (pages go through page_blocks), children by parent in source-file order (line) or id order,
-- photos and skus by product (the statement sorts them by style and line / id).

-- table: products
ALTER TABLE ${SCHEMA}.products ADD PRIMARY KEY (id);

-- table: product_state
ALTER TABLE ${SCHEMA}.product_state ADD PRIMARY KEY (product_id);

-- table: page_blocks
ALTER TABLE ${SCHEMA}.page_blocks ADD PRIMARY KEY (block);
CREATE UNIQUE INDEX ON ${SCHEMA}.page_blocks (products_before);

-- table: features
CREATE INDEX ON ${SCHEMA}.features (product_id, line);

-- table: styles
ALTER TABLE ${SCHEMA}.styles ADD PRIMARY KEY (id);
CREATE INDEX ON ${SCHEMA}.styles (product_id, id);

-- table: photos
CREATE INDEX ON ${SCHEMA}.photos (product_id);

-- table: skus
ALTER TABLE ${SCHEMA}.skus ADD PRIMARY KEY (id);
CREATE INDEX ON ${SCHEMA}.skus (product_id);

-- table: related
CREATE INDEX ON ${SCHEMA}.related (product_id, line);
