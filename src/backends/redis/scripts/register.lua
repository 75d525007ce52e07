-- Record new invocations as REGISTERED with their first history row; existing ids are left alone.
-- ARGV[1] orchestrator key prefix; ARGV[2] JSON [[id, taskId, createdAt, rs, rl, rr, gs], ...]
-- (rs/gs: running/registration concurrency scope, "" for none; rl: limit; rr: 1 to reroute).
-- Registration concurrency: while reg:<gs> names a non-final invocation, a new one with the same
-- scope is recorded as CONCURRENCY_CONTROLLED_FINAL (history and error outcome) instead.
-- Returns JSON: per invocation, the id of the existing invocation it resolves to, or "".
-- @include lib
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local added = {}
local existing = {}
for i, inv in ipairs(list) do
  local id, task, at = inv[1], inv[2], inv[3]
  local rs, rl, rr, gs = inv[4] or '', inv[5] or 0, inv[6] or 0, inv[7] or ''
  local key = P .. 'inv:' .. id
  existing[i] = ''
  if redis.call('EXISTS', key) == 0 then
    local holder = ''
    if gs ~= '' then
      holder = redis.call('GET', P .. 'reg:' .. gs) or ''
      if holder ~= '' then
        local st = redis.call('HGET', P .. 'inv:' .. holder, 'status')
        if not st or SPEC[st].f then holder = '' end
      end
    end
    redis.call('HSET', key, 'task', task, 'status', 'REGISTERED', 'owner', '', 'token', 0, 'retries', 0,
      'updated', fmt(at), 'hlen', 1, 'rs', rs, 'rl', rl, 'rr', rr, 'gs', gs)
    reindex(P, id, task, nil, 'REGISTERED', nil, '', at)
    add_history(P, id, 1, 'REGISTERED', '', 0, nil, at, nil)
    if holder ~= '' then
      local final = 'CONCURRENCY_CONTROLLED_FINAL'
      redis.call('HSET', key, 'status', final, 'hlen', 2, 'kind', 'error', 'value',
        controlled_error(id, gs, 'a duplicate of ' .. holder))
      reindex(P, id, task, 'REGISTERED', final, '', '', at)
      local note = fill(TEXTS.duplicate, { ['\5'] = holder })
      add_history(P, id, 2, final, '', 0, nil, at, note)
      existing[i] = holder
      added[#added + 1] = id .. '\t' .. final
    else
      if gs ~= '' then redis.call('SET', P .. 'reg:' .. gs, id) end
      added[#added + 1] = id .. '\tREGISTERED'
    end
  end
end
flush()
if #added > 0 then
  redis.call('PUBLISH', P .. 'changed', table.concat(added, '\n'))
end
return cjson.encode(existing)
