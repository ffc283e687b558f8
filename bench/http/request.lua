-- wrk script for bench/http/run.sh: one fixed request per endpoint, and a machine-readable summary.
--   WRK_METHOD     GET (default) or POST
--   WRK_BODY_FILE  file whose bytes are the request body; unset for no body
--   WRK_CONTENT_TYPE  the body's media type (default application/json)
-- The request is built once per thread (no request() function), so the client adds no per-request Lua work.
-- done() prints one line "WRK_JSON {...}" after wrk's own report (which --latency extends with the
-- latency distribution); bench/http/bench.py reads that line.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body_file = os.getenv("WRK_BODY_FILE")
if body_file ~= nil and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  local content_type = os.getenv("WRK_CONTENT_TYPE")
  wrk.headers["Content-Type"] = (content_type ~= nil and content_type ~= "") and content_type or "application/json"
end

function done(summary, latency, requests)
  local e = summary.errors
  local p = {}
  for _, q in ipairs({50, 75, 90, 99, 99.9}) do
    p[#p + 1] = string.format('"%s":%d', tostring(q), latency:percentile(q))
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"percentiles":{%s}}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max, table.concat(p, ",")))
end
