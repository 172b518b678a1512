-- serve_answer.lua — wrk script for bench/serve_bench.sh: answers on a pool of sessions, each
-- with the seq its last answer returned, and never two requests on one session at once (so no
-- answer is a stale-seq refusal).  $POOL holds "id seq" lines, $TOKEN the agent token.
local pool, free, seq, busy = {}, {}, {}, {}
local token = os.getenv("TOKEN")
local think = tonumber(os.getenv("THINK_MS") or "0")   -- a pause before each answer, in ms

if think > 0 then
  function delay() return think end
end

function init(args)
  for line in io.lines(os.getenv("POOL")) do
    local id, s = line:match("(%S+) (%d+)")
    pool[#pool + 1] = id
    seq[id] = tonumber(s)
    free[#free + 1] = id
  end
end

local inflight = {}   -- sent order: wrk answers a connection's requests in order, one at a time

function request()
  local id = table.remove(free, 1)
  inflight[#inflight + 1] = id
  local body = string.format('{"seq":%d,"choice":"1"}', seq[id])
  return wrk.format("POST", "/v1/sessions/" .. id .. "/answer",
                    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
                    body)
end

function response(status, headers, body)
  local id, s = body:match('"id":"([^"]+)".-"seq":(%d+)')
  if id and seq[id] then
    seq[id] = tonumber(s)
    for i, v in ipairs(inflight) do
      if v == id then table.remove(inflight, i) break end
    end
    free[#free + 1] = id
  end
end
