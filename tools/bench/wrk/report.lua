-- Shared by the scenario scripts (loaded with dofile): counts the answers by status in every
-- thread and, when wrk is done, prints one line "BENCH_JSON {...}" that tools/bench/run.py reads.
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local counts = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(counts) do
      table.insert(parts, string.format('"%d": %d', status, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"statuses": {%s}, "latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "p99.9": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      table.concat(parts, ", "),
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency:percentile(99.9)))
end

-- Lines of a file (BENCH_LINES) split into fields; this thread takes every nth line, from its own offset.
function thread_lines(path, nthreads)
   local lines, i = {}, 0
   for line in io.lines(path) do
      if i % nthreads == id then
         local fields = {}
         for field in line:gmatch("%S+") do table.insert(fields, field) end
         table.insert(lines, fields)
      end
      i = i + 1
   end
   return lines
end

