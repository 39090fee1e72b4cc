-- Constant-rate pacing for wrk 4.1.0, which has no rate option (Debian has no wrk2).
--
-- wrk calls the global delay() before every request on every connection and waits that many
-- milliseconds. Each wrk thread has its own Lua state, so each thread keeps its own schedule of
-- send slots, spaced 1000 / (rate / threads) ms apart: a connection that finishes a response
-- reserves the next free slot and sleeps until it. The thread's connections thus take turns at a
-- fixed arrival rate instead of each firing as fast as its own round trips allow (the closed loop
-- that makes plain wrk measure "max throughput", not "latency at R req/s").
--
-- A slot may be taken up to MAX_LAG_MS late (wrk's timers have whole-millisecond resolution and
-- fire a little late, so at sub-millisecond intervals some lag is normal). Slots older than that,
-- which nobody could take because every connection was busy, are dropped rather than fired later
-- in a burst: the achieved rate then falls short of the target, which the report shows.
-- Latency is measured by wrk from the moment a request is written, so when the target is not met
-- the queueing a real client would see is not in the numbers (coordinated omission); add
-- connections until achieved ~= target.
local ffi = require("ffi")

ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } atelier_bench_timespec;
  int clock_gettime(int clock_id, atelier_bench_timespec *tp);
]]

local CLOCK_MONOTONIC = 1
local now_buffer = ffi.new("atelier_bench_timespec")

local M = {}

-- Measured against a static NGINX at 2k/10k/20k req/s with 32 connections: 5 ms fell 7-10%
-- short of 10k and 20k; 25 ms met the rate but its catch-up bursts doubled p99; 10 ms met all three.
M.MAX_LAG_MS = 10

-- Monotonic wall clock in milliseconds (os.clock() is CPU time, os.time() whole seconds).
function M.now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_buffer)
  return tonumber(now_buffer.tv_sec) * 1000 + tonumber(now_buffer.tv_nsec) / 1e6
end

-- A schedule for one thread: `rate` requests per second shared by its connections.
function M.schedule(rate_per_second)
  assert(rate_per_second > 0, "rate must be positive")
  local interval = 1000 / rate_per_second
  local next_slot = nil
  return {
    -- Milliseconds to wait before the next request, given the current time.
    wait_ms = function(now)
      if next_slot == nil then next_slot = now end
      if next_slot < now - M.MAX_LAG_MS then next_slot = now - M.MAX_LAG_MS end
      local wait = math.max(0, next_slot - now)
      next_slot = next_slot + interval
      -- wrk truncates the returned number to whole ms; rounding keeps the error symmetric and
      -- the schedule itself never drifts because slots advance by the exact interval.
      return math.floor(wait + 0.5)
    end,
  }
end

return M
