-- token.lua - wrk script: POST client-credentials token requests to the
-- mock's /{tenant}/oauth2/v2.0/token.  The client comes from the environment
-- (scripts/bench-mock.sh registers it with --client-secret).
local id = os.getenv("BENCH_CLIENT_ID") or "bench-client"
local secret = os.getenv("BENCH_CLIENT_SECRET") or "bench-secret"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=" .. id .. "&client_secret=" .. secret ..
    "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
