-- Turns wrk's end-of-run data plus the per-thread counters into a result JSON file and a latency
-- distribution table for gnuplot. Runs in wrk's main Lua state (done()); per-thread tables arrive
-- via thread:get(), which copies them out of each thread's own Lua state.
local M = {}

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local function escape(s)
  return (s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end))
end

-- Minimal JSON encoder for numbers, strings, booleans and tables; object keys are sorted so
-- that result files diff cleanly.
function M.json(value)
  local kind = type(value)
  if kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    if value == math.floor(value) and math.abs(value) < 2 ^ 53 then
      return string.format("%d", value)
    end
    return string.format("%.6g", value)
  elseif kind == "string" then
    return '"' .. escape(value) .. '"'
  elseif kind == "boolean" then
    return tostring(value)
  elseif kind == "table" then
    local parts = {}
    if next(value) ~= nil and is_array(value) then
      for _, item in ipairs(value) do parts[#parts + 1] = M.json(item) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for key in pairs(value) do keys[#keys + 1] = tostring(key) end
    table.sort(keys)
    for _, key in ipairs(keys) do
      local item = value[key]
      if item == nil then item = value[tonumber(key)] end
      parts[#parts + 1] = M.json(key) .. ":" .. M.json(item)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

-- Adds the counts of `from` (key -> number) into `into`.
function M.merge_counts(into, from)
  for key, count in pairs(from or {}) do into[key] = (into[key] or 0) + count end
  return into
end

-- Median and mean of a size -> count histogram.
function M.histogram_median(histogram)
  local sizes, total, weighted = {}, 0, 0
  for size, count in pairs(histogram) do
    sizes[#sizes + 1] = size
    total = total + count
    weighted = weighted + size * count
  end
  if total == 0 then return 0, 0, 0 end
  table.sort(sizes)
  local seen = 0
  for _, size in ipairs(sizes) do
    seen = seen + histogram[size]
    if seen * 2 >= total then return size, weighted / total, total end
  end
  return sizes[#sizes], weighted / total, total
end

local function ms(us) return us / 1000 end

-- Collects everything into one table. `threads` are the wrk thread handles kept by setup().
-- Success is 200, or 201 for a cart POST (CONTRACT §1), or 304 (only a revisit sends
-- If-None-Match; a revisit of a product that changed gets its 200); everything else counts as an
-- error.
function M.collect(summary, latency, threads, settings)
  local statuses, sent, body_sizes = {}, {}, {}
  local ok_by_second, failed_by_second = {}, {}
  for _, thread in ipairs(threads) do
    M.merge_counts(ok_by_second, thread:get("ok_by_second"))
    M.merge_counts(failed_by_second, thread:get("failed_by_second"))
    M.merge_counts(statuses, thread:get("statuses"))
    M.merge_counts(sent, thread:get("sent"))
    M.merge_counts(body_sizes, thread:get("body_sizes"))
  end
  local answered, succeeded = 0, 0
  local status_counts = {}
  for status, count in pairs(statuses) do
    answered = answered + count
    if status == 200 or status == 201 or status == 304 then succeeded = succeeded + count end
    status_counts[tostring(status)] = count
  end
  local median, mean, sampled = M.histogram_median(body_sizes)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  return {
    settings = settings,
    duration_s = seconds,
    requests = summary.requests,
    requests_per_s = summary.requests / seconds,
    bytes = summary.bytes,
    -- Everything read from the sockets (status lines, headers, bodies) per response.
    bytes_per_request = summary.requests > 0 and summary.bytes / summary.requests or 0,
    latency_ms = {
      min = ms(latency.min),
      mean = ms(latency.mean),
      stdev = ms(latency.stdev),
      p50 = ms(latency:percentile(50)),
      p75 = ms(latency:percentile(75)),
      p90 = ms(latency:percentile(90)),
      p95 = ms(latency:percentile(95)),
      p99 = ms(latency:percentile(99)),
      p99_9 = ms(latency:percentile(99.9)),
      p99_99 = ms(latency:percentile(99.99)),
      max = ms(latency.max),
    },
    statuses = status_counts,
    answered = answered,
    failed_responses = answered - succeeded,
    socket_errors = {
      connect = errors.connect,
      read = errors.read,
      write = errors.write,
      timeout = errors.timeout,
    },
    sent_by_kind = sent,
    body_bytes = { median = median, mean = mean, responses = sampled },
    per_second = M.per_second(ok_by_second, failed_by_second),
  }
end

-- { {epoch, succeeded, failed}, ... } in time order, every second from the first to the last.
function M.per_second(ok_by_second, failed_by_second)
  local first, last
  for _, counts in ipairs({ ok_by_second, failed_by_second }) do
    for second in pairs(counts) do
      first = math.min(first or second, second)
      last = math.max(last or second, second)
    end
  end
  local series = {}
  if not first then return series end
  for second = first, last do
    series[#series + 1] = { second, ok_by_second[second] or 0, failed_by_second[second] or 0 }
  end
  return series
end

-- One line per distinct latency value: milliseconds, count, cumulative fraction.
function M.write_distribution(path, latency)
  local file = assert(io.open(path, "w"))
  local total = 0
  for i = 1, #latency do
    local _, count = latency(i)
    total = total + count
  end
  file:write("# latency_ms\tcount\tcumulative_fraction\n")
  local seen = 0
  for i = 1, #latency do
    local value, count = latency(i)
    seen = seen + count
    file:write(string.format("%.3f\t%d\t%.9f\n", value / 1000, count, seen / total))
  end
  file:close()
end

function M.write_json(path, value)
  local file = assert(io.open(path, "w"))
  file:write(M.json(value), "\n")
  file:close()
end

return M
