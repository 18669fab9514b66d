-- PATCH /api/profile/: each line of BENCH_LINES (bench_seed's patch.txt) is "access-token invite-code"
-- of a user who has activated no code yet, so every request is a real activation (200).
-- Past the last line the users come round again and get 409: enough lines for the run matter.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local lines, next_line

function init(args)
   lines = thread_lines(assert(os.getenv("BENCH_LINES"), "set BENCH_LINES"), tonumber(os.getenv("BENCH_THREADS") or "1"))
   next_line = 1
end

function request()
   local line = lines[next_line]
   next_line = next_line % #lines + 1
   return wrk.format("PATCH", "/api/profile/",
      {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. line[1]},
      string.format('{"foreign_invite_code": "%s"}', line[2]))
end
