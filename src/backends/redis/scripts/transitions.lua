-- Shared by transition and claim-start (pulled in with "-- @include transitions").
-- apply_transitions(P, reqs): apply compare-and-set transitions in order, atomically (see
-- transition.lua for the request and result shapes), flush the buffered writes and publish
-- the changed ids. Returns { corrupt = { id, status, token } } (nothing written: a row that
-- cannot be decoded aborts the whole batch before any write) or { results = { ... } }.
-- @include lib
-- The JSON of apply_transitions' results, built as text: cjson.encode formats every number
-- with sprintf, and a batch's results are fifty rows of small whole numbers (itos).
local function results_json(results)
  local parts = {}
  for i, r in ipairs(results) do
    if r[1] == 1 then
      local row = '[1,"' .. r[2] .. '","' .. r[3] .. '",' .. itos(r[4]) .. ',' .. cjson.encode(r[5]) .. ','
        .. itos(r[6]) .. ',' .. itos(r[7])
      if r[8] then row = row .. ',' .. cjson.encode(r[8]) end
      parts[i] = row .. ']'
    else
      parts[i] = cjson.encode(r)
    end
  end
  return '[' .. table.concat(parts, ',') .. ']'
end

local function apply_transitions(P, reqs)
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
      return { corrupt = { q.id, tostring(row.status), tostring(row.raw_token) } }
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
  local dirty = {}

  -- Each changed row in one HSET of every field a transition writes (fewer Lua steps than
  -- tracking which fields changed; the row was read by this call, so unchanged ones are rewritten
  -- as they were).
  local NO_OUTCOME = {}
  local function write_rows()
    local updated = fmt(now)
    for _, id in ipairs(dirty) do
      local r = rows[id]
      local outcome = r.kind and { 'kind', r.kind, 'value', r.value } or NO_OUTCOME
      redis.call('HSET', P .. 'inv:' .. id, 'status', r.status, 'owner', r.owner, 'token', itos(r.token),
        'retries', itos(r.retries), 'updated', updated, 'hlen', itos(r.hlen), 'attempts', itos(r.attempts),
        unpack(outcome))
    end
  end

  -- One write: the decision, the status, history, outcome and every index. Returns the result
  -- row, the previous status and the invocation's concurrency fields (rs, gs, rl, rr).
  local function write(q)
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
    -- The row is written back once, at the end (write_rows), from these values.
    row.status, row.owner, row.token, row.retries, row.hlen, row.attempts = q.to, new_owner, new_token, retries, hlen + 1, attempts
    if not row.dirty then
      row.dirty = true
      dirty[#dirty + 1] = q.id
    end
    -- A step followed by its andThen in this call (defer) is indexed once, by the follow-up,
    -- from the status and owner before both (from_status, from_owner).
    if not q.defer then
      reindex(P, q.id, task, q.from_status or status, q.to, q.from_owner or owner, new_owner, now)
    end
    track_concurrency(P, q.id, task, rs, rl, gs, status, q.to, now)
    add_history(P, q.id, hlen + 1, q.to, new_owner, new_token, q.r, now, q.n)
    if q.k then row.kind, row.value = q.k, q.v end
    -- A final status with a small outcome is announced with it (settlement-line.ts): a waiting
    -- caller settles without reading it back.
    if q.k and SPEC[q.to].f and #q.v <= __ANNOUNCED_OUTCOME_MAX__ and not string.find(q.v, '[\t\n]') then
      changed[#changed + 1] = q.id .. '\t' .. q.to .. '\t' .. q.k .. '\t' .. q.v
    else
      changed[#changed + 1] = q.id .. '\t' .. q.to
    end
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
  write_rows()
  flush()
  if #changed > 0 then
    redis.call('PUBLISH', P .. 'changed', table.concat(changed, '\n'))
  end
  return { results = results }
end
