-- The suite's wrk script (bench/harness.py drives it through the environment):
--   BENCH_TARGETS       a file of request targets, one a line: "<path>" or "<path>\t<body>";
--                       request n of thread t takes line n*T + t, so ids, pages and SKUs spread
--   BENCH_METHOD        GET (default), POST, …
--   BENCH_CONTENT_TYPE  the type of the bodies (default application/json)
--   BENCH_COOKIES       optional file of "sessionid csrftoken" lines: request n is member n
--   BENCH_THREADS       wrk's thread count T
--   BENCH_MAX           optional: the run's answers, at most (the request bound), shared out
--                       exactly among the threads; a thread stops at its share, with up to a
--                       request per connection still in flight (the server finishes those)
--   BENCH_REFUSAL       optional: a 2xx whose body holds this text is a refusal (WeChat Pay's
--                       notifications are answered 200 with FAIL inside)
-- A thread that has its share of answers prints "bench: thread done" (the harness then ends
-- wrk's timer early). Prints one JSON line at the end: requests (the answers counted),
-- seconds, p50/p99 in ms, answers by status, refusals, socket errors by kind.

local threads = {}
local total = tonumber(os.getenv("BENCH_MAX") or "0")

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  content_type = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
  refusal = os.getenv("BENCH_REFUSAL") or ""
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
  -- This thread's requests are index, index + T, …: it answers for those below the bound.
  bound = total > 0 and math.floor((total - index + step - 1) / step) or 0
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
  refused = 0
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
    headers["Content-Type"] = content_type
  end
  n = n + step
  return wrk.format(method, target[1], headers, body)
end

function response(status, headers, body)
  if bound > 0 and received >= bound then
    return -- an answer in the same turn of the loop as the stop: beyond the bound, not counted
  end
  received = received + 1
  statuses[status] = (statuses[status] or 0) + 1
  if refusal ~= "" and status < 300 and body and body:find(refusal, 1, true) then
    refused = refused + 1
  end
  if received == bound then
    io.write("bench: thread done\n") -- once: the harness counts these lines, one a thread
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local by_status = {}
  local answers, refusals = 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
    answers = answers + thread:get("received")
    refusals = refusals + thread:get("refused")
  end
  local parts = {}
  for status, count in pairs(by_status) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "statuses": {%s}, "refused": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    answers, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ", "), refusals, e.connect, e.read, e.write, e.timeout))
end
