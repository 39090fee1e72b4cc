# shellcheck shell=bash
# What scripts/backup and scripts/restore save: the data no catalog load can make again. One list,
# read by both; a table the database does not have yet (atelier.cart_requests before its
# migration) is skipped with a note, so the list may run ahead of the schema.
BACKUP_TABLES=(atelier.cart atelier.cart_requests)

# backup_existing_tables URL: the tables of BACKUP_TABLES the database has, one per line.
backup_existing_tables() {
  local t
  for t in "${BACKUP_TABLES[@]}"; do
    if [ "$(psql -XAtq "$1" -c "SELECT to_regclass('$t') IS NOT NULL")" = t ]; then
      echo "$t"
    else
      say "backup: $t does not exist in this database (yet): skipped"
    fi
  done
}

# backup_schema_version URL: the database's schema version (0 without a version table).
backup_schema_version() {
  if [ "$(psql -XAtq "$1" -c "SELECT to_regclass('atelier.schema_migrations') IS NULL")" = t ]; then
    echo 0
  else
    psql -XAtq "$1" -c "SELECT coalesce(max(version), 0) FROM atelier.schema_migrations"
  fi
}

# pgBackRest (the cluster's backups with WAL archiving): the command as the PostgreSQL user, with
# the configuration PGBACKREST_CONFIG names (default /etc/pgbackrest/pgbackrest.conf).
pgbackrest_run() {
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u "${PGBACKREST_USER:-postgres}" --); fi
  "${as[@]}" env ${PGBACKREST_CONFIG:+PGBACKREST_CONFIG="$PGBACKREST_CONFIG"} \
    pgbackrest --stanza="${PGBACKREST_STANZA:-atelier}" "$@"
}
