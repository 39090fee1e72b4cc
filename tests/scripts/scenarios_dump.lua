-- Run by tests/scripts/scenarios_check through wrk (its LuaJIT; no server is contacted: this
-- prints and exits while wrk loads the script). Prints, as one JSON object, what
-- scripts/bench-lib/scenarios.lua gives wrk: its constants, and the page-view mix measured over
-- DRAWS page views (revisits possible for every id: each has ETags).
package.path = os.getenv("BENCH_LIB") .. "/?.lua;" .. package.path
local s = require("scenarios")
local draws = 40000
local max_id = 1000011
local etags = {}
for id = s.cold_range_start(max_id), max_id do
  local p = "/products/" .. id
  etags[p], etags[p .. "/styles"], etags[p .. "/related"] = '"a"', '"b"', '"c"'
end
local src = s.source({ scenario = "page_view", max_id = max_id, session_prefix = "check-",
  etags = etags, skus = { 1 } })
local kinds = {}
local views = 0
-- Every view starts with its product request: count views by those, stop at the next one.
while true do
  local _, _, _, _, kind = src.next()
  if kind == "product" or kind == "product_revisit" then
    if views == draws then break end
    views = views + 1
  end
  kinds[kind] = (kinds[kind] or 0) + 1
end
-- scripts/bench --cart-part: the mix with only the cart's reads, or only its adds.
local parts = {}
for _, part in ipairs({ "reads", "adds" }) do
  local only = s.source({ scenario = "page_view", max_id = max_id, session_prefix = "check-",
    skus = { 1 }, cart_part = part })
  local counted, part_views = { cart_get = 0, cart_post = 0 }, 0
  while true do
    local _, _, _, _, kind = only.next()
    if kind == "product" then
      if part_views == draws then break end
      part_views = part_views + 1
    end
    if counted[kind] then counted[kind] = counted[kind] + 1 end
  end
  parts[part] = string.format('{"cart_read":%.4f,"cart_add":%.4f}', counted.cart_get / draws,
    counted.cart_post / draws)
end
local cart = s.source({ scenario = "cart", max_id = max_id, session_prefix = "check-", skus = { 1 } })
local adds, session_length = 0, 0
for _ = 1, draws do
  local method, _, _, session = cart.next()
  if method == "POST" then adds = adds + 1 end
  session_length = #session - #"check-"
end
local names = {}
for i, n in ipairs(s.NAMES) do names[i] = string.format("%q", n) end
local function share(kind) return (kinds[kind] or 0) / views end
print(string.format(
  '{"names":[%s],"cold_range_low":%d,"cart_read":%.17g,"cart_add":%.17g,"revisit":%.17g,' ..
  '"browser_accept_encoding":%q,"list_page_size":%d,"cart_add_share":%.17g,"session_digits":%d,' ..
  '"measured":{"cart_read":%.4f,"cart_add":%.4f,"revisit":%.4f,"cart_add_share":%.4f},' ..
  '"parts":{"reads":%s,"adds":%s}}',
  table.concat(names, ","), s.cold_range_start(max_id), s.PAGE_VIEW_CART_READ, s.PAGE_VIEW_CART_ADD,
  s.PAGE_VIEW_REVISIT, s.BROWSER_ACCEPT_ENCODING, s.LIST_PAGE_SIZE, s.CART_ADD_SHARE, session_length,
  share("cart_get"), share("cart_post"), share("product_revisit"), adds / draws, parts.reads,
  parts.adds))
os.exit(0)
