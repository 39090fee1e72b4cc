-- wrk 4.1.0 script behind scripts/chaos and scripts/soak: exactly the load of scripts/bench
-- (bench-lib/run.lua: same page_view mix, pacing, result JSON), plus what a fault run needs and
-- bench does not record:
--   * answers per time bucket and status class, so errors can be counted inside a fault window
--     and after recovery instead of over the whole run;
--   * 503s split by who produced them: the host (its own JSON body) or NGINX (its @unavailable
--     page), and whether Retry-After was present (CONTRACT: 503 always carries it).
-- Extra environment on top of run.lua's BENCH_* variables:
--   CHAOS_MIN_ID      smallest product id to request (default: bench's last 10% of the catalog)
--   CHAOS_BUCKETS     where done() writes "bucket_start_epoch_ms <TAB> class <TAB> count" lines
--   CHAOS_BUCKET_MS   bucket width in milliseconds (default 100)
-- Needs LUA_PATH to include scripts/bench-lib (the caller sets it).
local ffi = require("ffi")
local scenarios = require("scenarios")

-- A wider id range than bench's last 10%: scenarios.source() asks M.cold_range_start() for the
-- low end at call time, so replacing it here (before init() builds the sources) is enough.
local min_id = tonumber(os.getenv("CHAOS_MIN_ID") or "")
if min_id ~= nil and min_id >= 1 then
  scenarios.cold_range_start = function(_) return min_id end
end

-- Defines setup/init/delay/request/response/done as globals; wrapped below.
require("run")

-- pacing.lua (loaded by run.lua) already declared clock_gettime and its timespec struct;
-- declaring them again would be a redefinition error in LuaJIT's ffi.
local CLOCK_REALTIME = 0
local realtime_buffer = ffi.new("atelier_bench_timespec")
local function epoch_ms()
  ffi.C.clock_gettime(CLOCK_REALTIME, realtime_buffer)
  return tonumber(realtime_buffer.tv_sec) * 1000 + math.floor(tonumber(realtime_buffer.tv_nsec) / 1e6)
end

local bucket_ms = tonumber(os.getenv("CHAOS_BUCKET_MS") or "") or 100

-- Main state: our own list of thread handles (run.lua keeps its list local).
local chaos_threads = {}
local bench_setup = setup
function setup(thread)
  chaos_threads[#chaos_threads + 1] = thread
  bench_setup(thread)
end

-- Thread states: "bucket<TAB>class" -> count; flat string keys copy cleanly through thread:get.
chaos_buckets = {}

local NGINX_UNAVAILABLE = "The service is unavailable; retry shortly."

local function has_retry_after(headers)
  for name, _ in pairs(headers or {}) do
    if string.lower(name) == "retry-after" then return true end
  end
  return false
end

-- "200", "404", ... except 503: "503h" from a host, "503n" from NGINX, with a trailing "!" when
-- Retry-After was missing.
local function status_class(status, headers, body)
  if status ~= 503 then return tostring(status) end
  local class = "503h"
  if body ~= nil and string.find(body, NGINX_UNAVAILABLE, 1, true) then class = "503n" end
  if not has_retry_after(headers) then class = class .. "!" end
  return class
end

local bench_response = response
function response(status, headers, body)
  bench_response(status, headers, body)
  local bucket = math.floor(epoch_ms() / bucket_ms) * bucket_ms
  local key = string.format("%d\t%s", bucket, status_class(status, headers, body))
  chaos_buckets[key] = (chaos_buckets[key] or 0) + 1
end

-- Buckets first: they are small, and bench's done() may take a while.
local function write_buckets()
  local path = os.getenv("CHAOS_BUCKETS")
  if path == nil or path == "" then return end
  local merged = {}
  for _, thread in ipairs(chaos_threads) do
    for key, count in pairs(thread:get("chaos_buckets") or {}) do
      merged[key] = (merged[key] or 0) + count
    end
  end
  local keys = {}
  for key in pairs(merged) do keys[#keys + 1] = key end
  table.sort(keys)
  local file = assert(io.open(path, "w"))
  for _, key in ipairs(keys) do file:write(key, "\t", merged[key], "\n") end
  file:close()
end

local bench_done = done
function done(summary, latency, requests)
  write_buckets()
  bench_done(summary, latency, requests)
end
