-- The suite's wrk script (bench/harness.py drives it through the environment):
--   BENCH_TARGETS  a file of request targets, one a line: "<path>" or "<path>\t<JSON body>";
--                  request n of thread t takes line n*T + t, so ids, pages and SKUs spread
--   BENCH_METHOD   GET (default), POST, …
--   BENCH_COOKIES  optional file of "sessionid csrftoken" lines: each request the next member
--   BENCH_THREADS  wrk's thread count T
--   BENCH_MAX      optional: each thread stops after this many responses (the request bound)
-- Prints one JSON line at the end: requests, seconds, p50/p99 in ms, responses by status,
-- socket errors by kind.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
  bound = tonumber(os.getenv("BENCH_MAX") or "0")
  targets = {}
  for line in io.lines(os.getenv("BENCH_TARGETS")) do
    local path, body = line:match("^([^\t]+)\t?(.*)$")
    if path then
      table.insert(targets, { path, body })
    end
  end
  sessions = {}
  local cookies = os.getenv("BENCH_COOKIES") or ""
  if cookies ~= "" then
    for line in io.lines(cookies) do
      local session, csrf = line:match("^(%S+) (%S+)$")
      if session then
        table.insert(sessions, { session, csrf })
      end
    end
  end
  n = index
  received = 0
  statuses = {}
end

function request()
  local target = targets[(n % #targets) + 1]
  local headers = {}
  if #sessions > 0 then
    local pair = sessions[(n % #sessions) + 1]
    headers["Cookie"] = "sessionid=" .. pair[1] .. "; csrftoken=" .. pair[2]
    headers["X-CSRFToken"] = pair[2]
  end
  local body = nil
  if target[2] ~= "" then
    body = target[2]
    headers["Content-Type"] = "application/json"
  end
  n = n + step
  return wrk.format(method, target[1], headers, body)
end

function response(status, headers, body)
  received = received + 1
  statuses[status] = (statuses[status] or 0) + 1
  if bound > 0 and received >= bound then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local by_status = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(by_status) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "statuses": {%s}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ", "), e.connect, e.read, e.write, e.timeout))
end
