-- wrk script of bench/run. It prints one FIGURES line with exact counts and latencies (wrk's
-- own summary rounds them and has no p95), and, when BENCH_PATHS names a file of paths (one
-- per line), spreads the requests over those paths: many searches, many stories.
local paths = {}
local file = os.getenv("BENCH_PATHS")
if file and file ~= "" then
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

-- Readers' browsers send a user agent (wrk sends none); BENCH_UA gives it, so story pages
-- are counted as views for "Most Read" the way a reader's are.
local ua = os.getenv("BENCH_UA")
if ua and ua ~= "" then wrk.headers["User-Agent"] = ua end

local next_path = 0
function init(args)
  -- Threads start at different places in the list.
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  if #paths > 0 then next_path = math.random(#paths) end
end

if #paths > 0 then
  function request()
    next_path = next_path % #paths + 1
    return wrk.format("GET", paths[next_path])
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "FIGURES requests=%d seconds=%.3f p50_us=%d p95_us=%d p99_us=%d socket_errors=%d status_errors=%d\n",
    summary.requests, summary.duration / 1000000,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
