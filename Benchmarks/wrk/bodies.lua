-- Sends pre-signed FPS API requests: each line of the file named by BODIES is one form body,
-- POSTed to / in file order and wrapping around. With LIMIT set, the thread stops after that
-- many responses, so requests that may be sent only once (Pay) are never repeated. Use one
-- wrk thread with LIMIT, because each thread runs its own copy of this script.
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local limit = tonumber(os.getenv("LIMIT") or "0")
local index = 0
local answered = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"

request = function()
  index = index % #bodies + 1
  return wrk.format(nil, "/", nil, bodies[index])
end

if limit > 0 then
  response = function(status, headers, body)
    answered = answered + 1
    if answered >= limit then wrk.thread:stop() end
  end
end

-- One JSON line for Benchmarks/run.sh.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
