-- wrk 4.1.0 script behind scripts/bench. Configured through the environment (wrk gives the
-- main state and each thread state their own Lua interpreter; all of them see the environment):
--   BENCH_SCENARIO        styles | product | related | products | page_view | cart
--   BENCH_MAX_ID          largest product id; ids are drawn from its last 10%
--   BENCH_RATE            target requests/s over all threads; 0 or unset = as fast as possible
--   BENCH_THREADS         wrk -t (to split the rate)
--   BENCH_SKU_FILE        optional file of sku ids (one per line) for cart POSTs
--   BENCH_SESSION_PREFIX  cart session names (Authorization header), default "bench-"
--   BENCH_ACCEPT_ENCODING Accept-Encoding of every request ("" = none: identity)
--   BENCH_REVISIT_SHARE   page_view: share of views that are revisits with If-None-Match
--   BENCH_ETAG_FILE       page_view: "path<TAB>etag" lines, the pages revisits come back to
--   BENCH_CART_SHARE      page_view: factor on the cart's probabilities (0 = no cart requests)
--   BENCH_ADD_SHARE       cart: share of requests that are adds (default 0.5)
--   BENCH_CART_PART       page_view: both (default), reads or adds: which cart requests it sends
--   BENCH_RESULT          where done() writes the result JSON
--   BENCH_DISTRIBUTION    where done() writes the latency distribution table
-- Needs LUA_PATH to include this folder (scripts/bench sets it).
local pacing = require("pacing")
local scenarios = require("scenarios")
local report = require("report")

local function env_number(name, default)
  local value = tonumber(os.getenv(name) or "")
  if value == nil then return default end
  return value
end

local scenario = os.getenv("BENCH_SCENARIO") or "styles"
local max_id = env_number("BENCH_MAX_ID", 1000011)
local rate = env_number("BENCH_RATE", 0)
local thread_count = env_number("BENCH_THREADS", 2)
local accept_encoding = os.getenv("BENCH_ACCEPT_ENCODING") or scenarios.BROWSER_ACCEPT_ENCODING
local revisit_share = env_number("BENCH_REVISIT_SHARE", scenarios.PAGE_VIEW_REVISIT)
local cart_share = env_number("BENCH_CART_SHARE", 1)
local add_share = env_number("BENCH_ADD_SHARE", scenarios.CART_ADD_SHARE)

-- Calls add(line) for each line of the file at path; nothing when there is no such file.
local function each_line(path, add)
  if path == nil or path == "" then return end
  local file = io.open(path, "r")
  if file == nil then return end
  for line in file:lines() do add(line) end
  file:close()
end

-- "path<TAB>etag" lines (scripts/bench fetches them before the run).
local function read_etags(path)
  local etags = {}
  each_line(path, function(line)
    local url_path, etag = line:match("^([^\t]+)\t(.+)$")
    if url_path then etags[url_path] = etag end
  end)
  return etags
end

local function read_ids(path)
  local ids = {}
  each_line(path, function(line)
    local id = tonumber(line)
    if id then ids[#ids + 1] = id end
  end)
  return ids
end

-- Main state: keep the thread handles so done() can read their counters.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

-- Thread states from here on. These globals are read back by done() through thread:get().
statuses = {}
sent = {}
body_sizes = {}
revisits = 0
-- Answers per wall-clock second (epoch), succeeded and failed: the per-second series of
-- scripts/bench-restart (a cold host's first seconds).
ok_by_second = {}
failed_by_second = {}

local source
local schedule
local base_headers

function init(_)
  -- Distinct random streams per thread; thread_index is set by setup() before init() runs.
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919 + math.floor(pacing.now_ms()))
  local path_prefix = (wrk.path or "/"):gsub("/+$", "")
  source = scenarios.source({
    scenario = scenario,
    max_id = max_id,
    skus = read_ids(os.getenv("BENCH_SKU_FILE")),
    session_prefix = os.getenv("BENCH_SESSION_PREFIX") or "bench-",
    path_prefix = path_prefix,
    revisit_share = revisit_share,
    cart_share = cart_share,
    add_share = add_share,
    cart_part = os.getenv("BENCH_CART_PART") or "both",
    etags = read_etags(os.getenv("BENCH_ETAG_FILE")),
  })
  if rate > 0 then schedule = pacing.schedule(rate / thread_count) end
  base_headers = wrk.headers
end

-- Only defined when pacing: wrk skips the timer entirely when the script has no delay().
if rate > 0 then
  function delay() return schedule.wait_ms(pacing.now_ms()) end
end

function request()
  local method, path, body, session, kind, if_none_match = source.next()
  sent[kind] = (sent[kind] or 0) + 1
  -- wrk.format uses only the headers given (plus Host), so keep-alive goes in every request:
  -- without it Pistache answers `Connection: Close` and wrk reconnects per request
  -- (LIBRARY-NOTES §1.1).
  local headers = { ["Host"] = base_headers["Host"], ["Connection"] = "keep-alive" }
  if accept_encoding ~= "" then headers["Accept-Encoding"] = accept_encoding end
  if if_none_match then headers["If-None-Match"] = if_none_match end
  if session then headers["Authorization"] = session end
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

function response(status, _, body)
  statuses[status] = (statuses[status] or 0) + 1
  local second = os.time()
  if status == 200 or status == 201 or status == 304 then
    ok_by_second[second] = (ok_by_second[second] or 0) + 1
  else
    failed_by_second[second] = (failed_by_second[second] or 0) + 1
  end
  local size = #body
  body_sizes[size] = (body_sizes[size] or 0) + 1
end

function done(summary, latency, _)
  local result = report.collect(summary, latency, threads, {
    scenario = scenario,
    max_id = max_id,
    id_range = { scenarios.cold_range_start(max_id), max_id },
    target_rate = rate,
    threads = #threads,
    accept_encoding = accept_encoding,
    revisit_share = revisit_share,
  })
  local result_path = os.getenv("BENCH_RESULT")
  if result_path and result_path ~= "" then report.write_json(result_path, result) end
  local distribution_path = os.getenv("BENCH_DISTRIBUTION")
  if distribution_path and distribution_path ~= "" then
    report.write_distribution(distribution_path, latency)
  end
end
