-- Apply compare-and-set transitions in order, atomically: for each request the CAS check
-- (expectFrom), the state-machine rule and the ownership/fencing check (the rule of
-- decideTransition in src/core/status.ts, read from SPEC), the status write, the history
-- entry, the optional outcome, the retry count and every index update.
-- ARGV[1] orchestrator key prefix; ARGV[3] a call id (see "replay" below); ARGV[2] JSON array of requests:
--   { id, to, r = runnerId?, t = token?, e = expectFrom?, x = expectToken?, n = note?, k = outcome kind?, v = outcome value?, c = 1 to count a retry }
-- Returns JSON: a row that cannot be decoded aborts the whole batch before any write:
--   { corrupt = { id, status, token } }, else { results = [ { 1, from, to, token, owner, retries, attempts } | { 0, reason, current } ] }
-- attempts: executions started (transitions to RUNNING), counted here.
-- Replay: ioredis re-sends a command whose reply was lost with its connection. The reply of
-- each call is kept for a minute under its call id, so a re-sent call returns the same answer
-- instead of running again (a claim re-run would refuse the caller its own PENDING).
-- @include lib
local P = ARGV[1]
local replay_key = P .. 'reply:' .. ARGV[3]
local replayed = redis.call('GET', replay_key)
if replayed then return replayed end
local reqs = cjson.decode(ARGV[2])

for _, q in ipairs(reqs) do
  local row = redis.call('HMGET', P .. 'inv:' .. q.id, 'status', 'token', 'task', 'hlen', 'retries')
  if row[1] and (not SPEC[row[1]] or not tonumber(row[2]) or not row[3] or not tonumber(row[4]) or not tonumber(row[5])) then
    return cjson.encode({ corrupt = { q.id, tostring(row[1]), tostring(row[2]) } })
  end
end

local function contains(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

-- decideTransition: returns new owner, new token; or nil, refusal reason.
local function decide(status, owner, token, q)
  if q.e and not contains(q.e, status) then return nil, 'status-changed' end
  if q.x and q.x ~= token then return nil, 'stale-token' end
  local target = SPEC[q.to]
  if not target or not SPEC[status].n[q.to] then return nil, 'invalid-transition' end
  local runner = q.r or ''
  if SPEC[status].o and target.e ~= 'override' then
    if owner == '' or owner ~= runner then return nil, 'not-owner' end
    if q.t ~= token then return nil, 'stale-token' end
  end
  if target.e == 'acquire' or target.e == 'override' then return runner, token + 1 end
  if target.e == 'keep' then return owner, token end
  return '', token
end

local now = now_ms()
local results = {}
local changed = {}
for i, q in ipairs(reqs) do
  local key = P .. 'inv:' .. q.id
  local row = redis.call('HMGET', key, 'status', 'owner', 'token', 'retries', 'task', 'hlen', 'attempts')
  local status = row[1]
  if not status then
    results[i] = { 0, 'not-found', '' }
  else
    local owner, token, retries, task, hlen = row[2] or '', tonumber(row[3]), tonumber(row[4]), row[5], tonumber(row[6])
    local attempts = tonumber(row[7]) or 0
    local new_owner, result = decide(status, owner, token, q)
    if new_owner == nil then
      results[i] = { 0, result, status }
    else
      local new_token = result
      if q.c == 1 then retries = retries + 1 end
      if q.to == 'RUNNING' then attempts = attempts + 1 end
      redis.call('HSET', key, 'status', q.to, 'owner', new_owner, 'token', new_token, 'retries', retries,
        'updated', fmt(now), 'hlen', hlen + 1, 'attempts', attempts)
      reindex(P, q.id, task, status, q.to, owner, new_owner, now)
      add_history(P, q.id, hlen + 1, q.to, new_owner, new_token, q.r, now, q.n)
      if q.k then
        redis.call('HSET', P .. 'out:' .. q.id, 'kind', q.k, 'value', q.v)
      end
      results[i] = { 1, status, q.to, new_token, new_owner, retries, attempts }
      changed[#changed + 1] = q.id
    end
  end
end
if #changed > 0 then
  redis.call('PUBLISH', P .. 'changed', table.concat(changed, '\n'))
end
local reply = cjson.encode({ results = results })
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
