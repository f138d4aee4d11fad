-- wrk script: the same Jira webhook event, with the token the bench server wrote (TOKEN_FILE).
local f = assert(io.open(os.getenv("TOKEN_FILE"), "r"))
local token = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"webhookEvent":"jira:issue_updated","issue":{"key":"BENCH-1","fields":{"summary":"Deploy to staging"}}}'
