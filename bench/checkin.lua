-- wrk script for bench/checkin.py: each thread posts its share of the ticket codes to
-- POST /api/v1/checkins. Mode "first": every code once, then the thread stops (its start and end
-- times give the throughput); mode "repeat": the codes over and over until wrk's time is up.
-- Arguments after "--": codes file, event slug, day, number of threads, mode, bearer token.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]

local function now()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t) -- CLOCK_MONOTONIC
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, event, day, count, mode, token = args[1], args[2], args[3], tonumber(args[4]), args[5], args[6]
  codes = {}
  local n = 0
  for line in io.lines(path) do
    if n % count == id then table.insert(codes, line) end
    n = n + 1
  end
  first_mode = mode == "first"
  next_code, received, ok, already, other = 1, 0, 0, 0, 0
  template = '{"code":"%s","event":"' .. event .. '","day":"' .. day .. '","device":"wrk ' .. id .. '","method":"api"}'
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  if id == 0 and not verified then
    -- wrk calls request() once on the first thread to check the script, and sends nothing.
    verified = true
    return wrk.format(nil, "/api/v1/checkins", nil, string.format(template, codes[1]))
  end
  if not started then started = now() end
  local code = codes[next_code]
  if not code then
    -- The first pass is all sent, and a connection asks while the last answers arrive: a static
    -- file, which checks nobody in (a few such requests, at most one per connection).
    return wrk.format("GET", "/static/site.css", {}, nil)
  end
  next_code = next_code + 1
  if not first_mode and next_code > #codes then next_code = 1 end
  return wrk.format(nil, "/api/v1/checkins", nil, string.format(template, code))
end

function response(status, headers, body)
  if body:sub(1, 1) ~= "{" then return end -- the static file
  received = received + 1
  if status == 200 and body:find('"result":"ok"', 1, true) then
    ok = ok + 1
  elseif status == 200 and body:find('"result":"already_checked_in"', 1, true) then
    already = already + 1
  else
    other = other + 1
  end
  if first_mode and received >= #codes and not finished then
    finished = now()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, already = 0, other = 0 }
  local first_start, last_end = nil, nil
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
    local s, f = thread:get("started"), thread:get("finished")
    if s and (not first_start or s < first_start) then first_start = s end
    if f and (not last_end or f > last_end) then last_end = f end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "scans": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "ok": %d, "already": %d, ' ..
    '"other": %d, "socket_errors": %d, "non_2xx": %d, "pass_seconds": %.6f}\n',
    summary.requests, totals.ok + totals.already + totals.other, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    totals.ok, totals.already, totals.other, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, (first_start and last_end) and (last_end - first_start) or 0))
end
