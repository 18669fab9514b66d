-- GET the URL given to wrk with the access token in BENCH_TOKEN (profile, referral pages).
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "set BENCH_TOKEN")
