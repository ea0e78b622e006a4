-- wrk script for bench/checkin_search.py: each thread asks the door's search for the paths in the
-- file given after "--" (one query each, already URL-encoded), in turn from its own starting point,
-- until wrk's time is up. The session cookie comes as a header (-H) from the Python side.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do table.insert(paths, line) end
  next_path = (id * 7) % #paths + 1
  found, empty = 0, 0
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then return end
  if body:find("data-registration=", 1, true) then found = found + 1 else empty = empty + 1 end
end

function done(summary, latency, requests)
  local totals = { found = 0, empty = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "found": %d, "empty": %d, ' ..
    '"socket_errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    totals.found, totals.empty, errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
