-- POST /api/verify/ once per phone with a live code: BENCH_LINES holds "phone code" lines
-- (bench_seed's verify.txt), split between wrk's threads (BENCH_THREADS, wrk's -t).
-- Past the last line the phones come round again and get 400: enough lines for the run matter.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local lines, next_line

function init(args)
   lines = thread_lines(assert(os.getenv("BENCH_LINES"), "set BENCH_LINES"), tonumber(os.getenv("BENCH_THREADS") or "1"))
   next_line = 1
end

function request()
   local line = lines[next_line]
   next_line = next_line % #lines + 1
   return wrk.format("POST", "/api/verify/", {["Content-Type"] = "application/json"},
      string.format('{"phone": "%s", "token": "%s"}', line[1], line[2]))
end
