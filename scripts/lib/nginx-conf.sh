# shellcheck shell=bash
# nginx/nginx.conf.template with its placeholders filled, on stdout. Also used by
# scripts/bench-lib/design-limit, which puts the same front NGINX before static upstreams.
#   nginx_conf_render PREFIX_DIR PORT UPSTREAM_LINES RATE_LIMIT(on|off) [ACCESS_LOG(on|off)]
# The limits at the edge come from the environment (docs/SECURITY.md, "Rate and connection limits"); each RATE may
# be `off`, and NGINX_CONN_PER_ADDR too:
#   NGINX_CART_SESSION_RATE (2r/s)  NGINX_CART_SESSION_BURST (20)   cart writes per session
#   NGINX_CART_ADDR_RATE   (20r/s)  NGINX_CART_ADDR_BURST   (200)   cart writes per client address
#   NGINX_CONN_PER_ADDR      (256)                                  connections per client address
NGINX_LIMIT_VARS=(NGINX_CART_SESSION_RATE NGINX_CART_SESSION_BURST NGINX_CART_ADDR_RATE
  NGINX_CART_ADDR_BURST NGINX_CONN_PER_ADDR)
# What the benchmarks, chaos and soak runs set: they are floods on purpose.
NGINX_UNLIMITED=(NGINX_CART_SESSION_RATE=off NGINX_CART_ADDR_RATE=off NGINX_CONN_PER_ADDR=off)

# nginx_limit_value NAME DEFAULT PATTERN: the setting, checked (die on anything else).
nginx_limit_value() {
  local value="${!1:-$2}"
  [[ "$value" =~ $3 ]] || die "$1 must match $3 (got '$value')"
  echo "$value"
}

nginx_conf_render() {
  local rate='^(off|[1-9][0-9]*r/[sm])$' count='^[1-9][0-9]{0,6}$' conn='^(off|[1-9][0-9]{0,6})$'
  local s_rate s_burst a_rate a_burst per_addr s_key='$cart_session' a_key='$binary_remote_addr'
  local c_key='$binary_remote_addr'
  s_rate="$(nginx_limit_value NGINX_CART_SESSION_RATE 2r/s "$rate")" || return 1
  s_burst="$(nginx_limit_value NGINX_CART_SESSION_BURST 20 "$count")" || return 1
  a_rate="$(nginx_limit_value NGINX_CART_ADDR_RATE 20r/s "$rate")" || return 1
  a_burst="$(nginx_limit_value NGINX_CART_ADDR_BURST 200 "$count")" || return 1
  per_addr="$(nginx_limit_value NGINX_CONN_PER_ADDR 256 "$conn")" || return 1
  # A limit turned off keeps its directives (one template) with a key that is always empty,
  # which NGINX never counts.
  [ "$s_rate" = off ] && { s_key='$unlimited'; s_rate=1r/s; }
  [ "$a_rate" = off ] && { a_key='$unlimited'; a_rate=1r/s; }
  [ "$per_addr" = off ] && { c_key='$unlimited'; per_addr=1; }
  sed -e "s|@@LISTEN_PORT@@|$2|g" -e "s|@@STACK_DIR@@|$1|g" \
    -e "s|@@RATE_LIMIT@@|$4|g" -e "s|@@ACCESS_LOG@@|${5:-off}|g" \
    -e "s|@@CART_SESSION_KEY@@|$s_key|g" -e "s|@@CART_SESSION_RATE@@|$s_rate|g" \
    -e "s|@@CART_SESSION_BURST@@|$s_burst|g" -e "s|@@CART_ADDR_KEY@@|$a_key|g" \
    -e "s|@@CART_ADDR_RATE@@|$a_rate|g" -e "s|@@CART_ADDR_BURST@@|$a_burst|g" \
    -e "s|@@CONN_KEY@@|$c_key|g" -e "s|@@CONN_PER_ADDR@@|$per_addr|g" \
    "$ATELIER_ROOT/nginx/nginx.conf.template" |
    awk -v ups="$3" '{ if ($0 ~ /^[ \t]*@@UPSTREAMS@@[ \t]*$/) printf "%s", ups; else print }'
}

# The render's settings as NAME='VALUE' lines (those set), to render the same again later.
nginx_limit_settings() {
  local name
  for name in "${NGINX_LIMIT_VARS[@]}"; do
    [ -n "${!name:-}" ] && printf "%s='%s'\n" "$name" "${!name}"
  done
  return 0
}
