-- Request mixes of the benchmark scenarios. Their numbers (scenario names, the cold id range, the
-- page-view mix, the revisit share, Accept-Encoding, the list page size) come from
-- scripts/lib/scenarios.json, which scripts/k6/lib/atelier.js reads too: one definition for wrk
-- and k6 (docs/SCRIPTS.md says why each value is what it is). Ids are drawn uniformly from the
-- last 10% of the catalog, the cold end of the tables that load tests of this API traditionally
-- hit (CONTRACT §5).
local json = require("json")

-- This file's directory (the data file is found from here, whatever LUA_PATH or the cwd is).
local here = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")) or "."
local data = json.read_file(here .. "/../lib/scenarios.json")

local M = {}
M.DATA = data

-- A product page (the React front end) asks for the product, its styles and its related ids,
-- and now and then touches the cart: probabilities per page view.
M.PAGE_VIEW_CART_READ = data.page_view.cart_read
M.PAGE_VIEW_CART_ADD = data.page_view.cart_add

-- Share of page views that are revisits with If-None-Match (--revisit-share changes it).
M.PAGE_VIEW_REVISIT = data.page_view.revisit

-- What a browser sends (Chrome, Firefox and Safari all send these three codings).
M.BROWSER_ACCEPT_ENCODING = data.browser_accept_encoding

-- Front ends ask for the list with the default page size.
M.LIST_PAGE_SIZE = data.list_page_size

-- The cart scenario: share of requests that are adds.
M.CART_ADD_SHARE = data.cart_add_share

M.NAMES = data.names

function M.is_known(name)
  for _, known in ipairs(M.NAMES) do
    if known == name then return true end
  end
  return false
end

-- First id of the last 10% of a catalog whose largest id is max_id (900010 for 1000011).
function M.cold_range_start(max_id)
  return math.max(1, math.ceil(max_id * data.cold_range_start))
end

-- A request source for one wrk thread.
--   cfg.scenario     one of M.NAMES
--   cfg.max_id       largest product id
--   cfg.skus         array of sku ids to add to carts (or nil: cfg.sku_min..cfg.sku_max)
--   cfg.sessions     number of distinct cart sessions; cfg.session_prefix their name prefix
--   cfg.path_prefix  prepended to every path ("" or e.g. "/api/fec2/hr-rfp")
--   cfg.revisit_share  page_view: share of views that are revisits (default M.PAGE_VIEW_REVISIT)
--   cfg.cart_share   page_view: factor on PAGE_VIEW_CART_READ and _ADD (default 1; 0 = no cart)
--   cfg.add_share    cart: share of requests that are adds (default M.CART_ADD_SHARE)
--   cfg.cart_part    page_view: "both" (default), "reads" or "adds": the cart requests it keeps
--   cfg.etags        page_view: { [path] = etag } of the pages a revisit may come back to (seen
--                    before the run, with the run's Accept-Encoding); no revisits when empty
-- Returns an object whose next() gives method, path, body (or nil), session (or nil), kind,
-- and the If-None-Match value (or nil).
function M.source(cfg)
  assert(M.is_known(cfg.scenario), "unknown scenario " .. tostring(cfg.scenario))
  local low = M.cold_range_start(cfg.max_id)
  local high = cfg.max_id
  local prefix = cfg.path_prefix or ""
  -- Many sessions, so that no session meets the cart's bounds (100 skus, 10 units of one) in a
  -- long run; named <prefix><n, 24 digits> (scripts/lib/common.sh bench_carts_delete_sql finds
  -- them by that), at least 20 characters, as the hosts require of a token.
  local sessions = cfg.sessions or 10000
  local pending = {} -- page_view: the rest of the current page's requests
  local revisit_share = cfg.revisit_share or M.PAGE_VIEW_REVISIT
  local cart_read_share = M.PAGE_VIEW_CART_READ * (cfg.cart_share or 1)
  local cart_add_share = M.PAGE_VIEW_CART_ADD * (cfg.cart_share or 1)
  if cfg.cart_part == "adds" then cart_read_share = 0 end
  if cfg.cart_part == "reads" then cart_add_share = 0 end
  local revisit_ids = {}
  for path, _ in pairs(cfg.etags or {}) do
    local id = path:match("^.*/products/(%d+)$")
    if id and cfg.etags[path .. "/styles"] and cfg.etags[path .. "/related"] then
      revisit_ids[#revisit_ids + 1] = tonumber(id)
    end
  end
  table.sort(revisit_ids) -- pairs() order is not stable; the draw below should be

  local function product_id() return math.random(low, high) end
  local session_format = "%0" .. data.session_digits .. "d"
  local function session() return cfg.session_prefix .. string.format(session_format, math.random(1, sessions)) end
  local function sku_id()
    if cfg.skus and #cfg.skus > 0 then return cfg.skus[math.random(1, #cfg.skus)] end
    return math.random(cfg.sku_min or 1, cfg.sku_max or high)
  end

  local function styles(id) return "GET", prefix .. "/products/" .. id .. "/styles", nil, nil, "styles" end
  local function product(id) return "GET", prefix .. "/products/" .. id, nil, nil, "product" end
  local function related(id) return "GET", prefix .. "/products/" .. id .. "/related", nil, nil, "related" end
  local function list_page()
    local size = M.LIST_PAGE_SIZE
    local page = math.random(math.ceil(low / size), math.ceil(high / size))
    return "GET", prefix .. "/products?page=" .. page .. "&count=" .. size, nil, nil, "products"
  end
  local function cart_read() return "GET", prefix .. "/cart", nil, session(), "cart_get" end
  local function cart_add()
    return "POST", prefix .. "/cart", '{"sku_id":' .. sku_id() .. "}", session(), "cart_post"
  end

  -- A revisit asks for the same three bodies with the ETags it kept.
  local function revisit(request)
    return function()
      local method, path, body, sess, kind = request()
      return method, path, body, sess, kind .. "_revisit", cfg.etags[path]
    end
  end

  local function next_page_view()
    if #pending == 0 then
      if #revisit_ids > 0 and math.random() < revisit_share then
        local id = revisit_ids[math.random(1, #revisit_ids)]
        pending[#pending + 1] = revisit(function() return product(id) end)
        pending[#pending + 1] = revisit(function() return styles(id) end)
        pending[#pending + 1] = revisit(function() return related(id) end)
      else
        local id = product_id()
        pending[#pending + 1] = function() return product(id) end
        pending[#pending + 1] = function() return styles(id) end
        pending[#pending + 1] = function() return related(id) end
      end
      if math.random() < cart_read_share then pending[#pending + 1] = cart_read end
      if math.random() < cart_add_share then pending[#pending + 1] = cart_add end
    end
    return table.remove(pending, 1)()
  end

  local by_name = {
    styles = function() return styles(product_id()) end,
    product = function() return product(product_id()) end,
    related = function() return related(product_id()) end,
    products = list_page,
    page_view = next_page_view,
    -- A cart session alternates between adding and reading, half and half by default.
    cart = function()
      if math.random() < (cfg.add_share or M.CART_ADD_SHARE) then return cart_add() end
      return cart_read()
    end,
  }
  return { next = by_name[cfg.scenario] }
end

return M
