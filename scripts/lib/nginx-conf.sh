# shellcheck shell=bash
# nginx/nginx.conf.template with its placeholders filled, on stdout. Also used by
# scripts/bench-lib/design-limit, which puts the same front NGINX before static upstreams.
#   nginx_conf_render PREFIX_DIR PORT UPSTREAM_LINES RATE_LIMIT(on|off) [ACCESS_LOG(on|off)]
nginx_conf_render() {
  sed -e "s|@@LISTEN_PORT@@|$2|g" -e "s|@@STACK_DIR@@|$1|g" \
    -e "s|@@RATE_LIMIT@@|$4|g" -e "s|@@ACCESS_LOG@@|${5:-off}|g" \
    "$ATELIER_ROOT/nginx/nginx.conf.template" |
    awk -v ups="$3" '{ if ($0 ~ /^[ \t]*@@UPSTREAMS@@[ \t]*$/) printf "%s", ups; else print }'
}
