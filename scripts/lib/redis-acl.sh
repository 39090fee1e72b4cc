# shellcheck shell=bash
# The Redis users of the stack (scripts/lib/stack.sh) and the staging (scripts/lib/staging.sh),
# docs/SECURITY.md:
#   default         operators (scripts, tests, redis-cli; Sentinels and replication): everything
#   atelier_api     the hosts: only the commands cache/ sends, only keys under atelier:
#   atelier_loader  the warm-up (atelier-warm) and loaders

# The hosts: GET, SET, UNLINK; MGET (the hot set's prefill, cache/hot_set.hpp); INCRBY and
# PEXPIRE (the list pages' budget, Cache::put_within_budget); PING (health); ROLE and SELECT at
# connect (AUTH is always allowed). No FLUSHALL, CONFIG, KEYS, SCAN, DEBUG, MODULE, SHUTDOWN,
# pub/sub.
REDIS_ACL_API='resetkeys ~atelier:* resetchannels -@all +get +mget +set +unlink +incrby +pexpire +ping +role +select'
# The warm-up and loaders: as the hosts, plus SCAN (a product's keys), PTTL, and INFO
# (used_memory in atelier-warm's report) and DBSIZE.
REDIS_ACL_LOADER='resetkeys ~atelier:* resetchannels -@all +get +mget +set +unlink +incrby +pexpire +ping +role +select +scan +pttl +info +dbsize'

# redis_acl_user_lines DEFAULT_FILE API_FILE LOADER_FILE: `user` lines for a Redis config, each
# password given by the file holding it and written as its SHA-256 (`#<hex>`), never in clear.
redis_acl_user_lines() {
  local hash_of
  hash_of() { printf '%s' "$(cat "$1")" | sha256sum | cut -d' ' -f1; }
  echo "user default on #$(hash_of "$1") ~* &* +@all"
  echo "user atelier_api on #$(hash_of "$2") $REDIS_ACL_API"
  echo "user atelier_loader on #$(hash_of "$3") $REDIS_ACL_LOADER"
}
