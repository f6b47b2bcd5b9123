-- POST to one URL as many different members: each request takes the next session of
-- BENCH_COOKIES ("sessionid csrftoken" per line), thread t taking lines t, t+T, t+2T …
-- so no member is used twice in a run. Prints one JSON line of figures at the end.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  sessions = {}
  for line in io.lines(os.getenv("BENCH_COOKIES")) do
    local session, csrf = line:match("^(%S+) (%S+)$")
    table.insert(sessions, { session, csrf })
  end
  step = tonumber(os.getenv("BENCH_THREADS"))
  next_line = index
  ok, conflict, other = 0, 0, 0
end

function request()
  local pair = sessions[(next_line % #sessions) + 1]
  next_line = next_line + step
  return wrk.format("POST", nil, {
    ["Cookie"] = "sessionid=" .. pair[1] .. "; csrftoken=" .. pair[2],
    ["X-CSRFToken"] = pair[2],
    ["Content-Type"] = "application/json",
  }, "{}")
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 409 then
    conflict = conflict + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok_total, conflict_total, other_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    conflict_total = conflict_total + thread:get("conflict")
    other_total = other_total + thread:get("other")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "ok": %d, "conflict": %d, "other": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    ok_total, conflict_total, other_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
