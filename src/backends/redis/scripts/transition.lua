-- Apply compare-and-set transitions in order, atomically: for each request the CAS check
-- (expectFrom), the state-machine rule and the ownership/fencing check (the rule of
-- decideTransition in src/core/status.ts, read from SPEC), the status write, the history
-- entry, the optional outcome, the retry count and every index update.
-- ARGV[1] orchestrator key prefix; ARGV[3] a call id (see "replay" below); ARGV[2] JSON array of requests:
--   { id, to, r = runnerId?, t = token?, e = expectFrom?, x = expectToken?, n = note?, k = outcome kind?, v = outcome value?, c = 1 to count a retry, th = andThen? }
-- Returns JSON: a row that cannot be decoded aborts the whole batch before any write:
--   { corrupt = { id, status, token } }, else { results = [ { 1, from, to, token, owner, retries, attempts, woken? } | { 0, reason, current } ] }
-- Running concurrency (fields rs, rl, rr of inv:<id>; sets in lib's track_concurrency): a
-- claim (-> PENDING) when the scope's slot holders reach its limit is diverted to
-- CONCURRENCY_CONTROLLED (rr = 1) or CONCURRENCY_CONTROLLED_FINAL; a transition that frees a
-- slot moves the scope's oldest waiter to REROUTED and names it in `woken`.
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

-- Each row is read once per call and kept up to date by write (a batch may touch an id twice).
local FIELDS = { 'status', 'owner', 'token', 'retries', 'task', 'hlen', 'attempts', 'rs', 'rl', 'gs', 'rr' }
local rows = {}
local function load(id)
  local row = rows[id]
  if row == nil then
    local v = redis.call('HMGET', P .. 'inv:' .. id, unpack(FIELDS))
    row = false
    if v[1] then
      row = { status = v[1], owner = v[2] or '', token = tonumber(v[3]), retries = tonumber(v[4]), task = v[5],
        hlen = tonumber(v[6]), attempts = tonumber(v[7]) or 0, rs = v[8] or '', rl = v[9] or '0', gs = v[10] or '',
        rr = v[11], raw_token = v[3] }
    end
    rows[id] = row
  end
  return row
end

for _, q in ipairs(reqs) do
  local row = load(q.id)
  if row and (not SPEC[row.status] or not row.token or not row.task or not row.hlen or not row.retries) then
    return cjson.encode({ corrupt = { q.id, tostring(row.status), tostring(row.raw_token) } })
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

-- One write: the decision, the status, history, outcome and every index. Returns the result
-- row, the previous status and the invocation's concurrency fields (rs, gs, rl, rr).
local function write(q)
  local key = P .. 'inv:' .. q.id
  local row = load(q.id)
  if not row then return { 0, 'not-found', '' } end
  local status = row.status
  local owner, token, retries, task, hlen = row.owner, row.token, row.retries, row.task, row.hlen
  local attempts = row.attempts
  local rs, rl, gs = row.rs, row.rl, row.gs
  local new_owner, result = decide(status, owner, token, q)
  if new_owner == nil then return { 0, result, status } end
  local new_token = result
  if q.c == 1 then retries = retries + 1 end
  if q.to == 'RUNNING' then attempts = attempts + 1 end
  redis.call('HSET', key, 'status', q.to, 'owner', new_owner, 'token', new_token, 'retries', retries,
    'updated', fmt(now), 'hlen', hlen + 1, 'attempts', attempts)
  row.status, row.owner, row.token, row.retries, row.hlen, row.attempts = q.to, new_owner, new_token, retries, hlen + 1, attempts
  -- A step followed by its andThen in this call (defer) is indexed once, by the follow-up,
  -- from the status and owner before both (from_status, from_owner).
  if not q.defer then
    reindex(P, q.id, task, q.from_status or status, q.to, q.from_owner or owner, new_owner, now)
  end
  track_concurrency(P, q.id, task, rs, rl, gs, status, q.to, now)
  add_history(P, q.id, hlen + 1, q.to, new_owner, new_token, q.r, now, q.n)
  if q.k then
    redis.call('HSET', P .. 'out:' .. q.id, 'kind', q.k, 'value', q.v)
  end
  changed[#changed + 1] = q.id
  return { 1, status, q.to, new_token, new_owner, retries, attempts }
end

for i, q in ipairs(reqs) do
  local c = load(q.id)
  local rs = c and c.rs or ''
  -- Running concurrency: a claim (-> PENDING) of a full scope is diverted, in this script.
  if q.to == 'PENDING' and rs ~= '' and c and decide(c.status, c.owner, c.token, q) ~= nil then
    local limit = tonumber(c.rl) or 1
    local holders = redis.call('SCARD', P .. 'slots:' .. rs)
    if redis.call('SISMEMBER', P .. 'slots:' .. rs, q.id) == 1 then holders = holders - 1 end
    if holders >= limit then
      local note = fill(TEXTS.blocked, { ['\2'] = rs, ['\4'] = tostring(limit) })
      local diverted = { id = q.id, to = 'CONCURRENCY_CONTROLLED', r = q.r, n = note }
      if c.rr ~= '1' then
        diverted.to = 'CONCURRENCY_CONTROLLED_FINAL'
        diverted.k = 'error'
        diverted.v = controlled_error(q.id, rs, note)
      end
      q = diverted
    end
  end
  local before_status, before_owner = c and c.status, c and c.owner
  if q.th and rs == '' then q.defer = true end
  local r = write(q)
  -- A freed slot wakes the scope's oldest waiter (CONCURRENCY_CONTROLLED -> REROUTED).
  if r[1] == 1 and rs ~= '' and SPEC[r[2]].h and not SPEC[r[3]].h then
    local w = redis.call('ZRANGE', P .. 'waiters:' .. rs, 0, 0)[1]
    if w then
      local woke = write({ id = w, to = 'REROUTED', r = q.r, n = fill(TEXTS.woken, { ['\5'] = q.id }) })
      if woke[1] == 1 then r[8] = { w } end
    end
  end
  -- A follow-up (th: TransitionRequest.andThen) once the first landed where asked, with its token.
  if r[1] == 1 and q.th and r[3] == q.to then
    local follow = { id = q.id, to = q.th, r = q.r, t = r[4], n = q.n }
    if q.defer then follow.from_status, follow.from_owner = before_status, before_owner end
    local r2 = write(follow)
    if r2[1] == 1 then
      r2[2] = r[2]
      r2[8] = r[8]
      r = r2
    elseif q.defer then
      reindex(P, q.id, c.task, before_status, q.to, before_owner, r[5], now)
    end
  elseif q.defer and r[1] == 1 then
    reindex(P, q.id, c.task, before_status, r[3], before_owner, r[5], now)
  end
  results[i] = r
end
if #changed > 0 then
  redis.call('PUBLISH', P .. 'changed', table.concat(changed, '\n'))
end
local reply = cjson.encode({ results = results })
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
