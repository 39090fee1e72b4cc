-- Keys and indexes of one dataset version, built after the COPY of each table (same transaction).
-- ${SCHEMA} is substituted by atelier-etl. The API's queries rely on exactly these:
-- products by id and by rank (pages), children by parent in source-file order (line) or id order.

-- table: products
ALTER TABLE ${SCHEMA}.products ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX ON ${SCHEMA}.products (rank);

-- table: features
CREATE INDEX ON ${SCHEMA}.features (product_id, line);

-- table: styles
ALTER TABLE ${SCHEMA}.styles ADD PRIMARY KEY (id);
CREATE INDEX ON ${SCHEMA}.styles (product_id, id);

-- table: photos
CREATE INDEX ON ${SCHEMA}.photos (style_id, line);

-- table: skus
ALTER TABLE ${SCHEMA}.skus ADD PRIMARY KEY (id);
CREATE INDEX ON ${SCHEMA}.skus (style_id, id);

-- table: related
CREATE INDEX ON ${SCHEMA}.related (product_id, line);
