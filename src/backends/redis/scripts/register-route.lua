-- New invocations without concurrency scopes recorded and routed in one step (the three
-- components' save-invocations, register and route): data, REGISTERED status with its first
-- history row, queue entry. An id already recorded is left alone and not routed again.
-- ARGV[1] state, ARGV[2] orchestrator, ARGV[3] broker key prefixes; ARGV[4] JSON
-- [[id, json, createdAt, taskId, workflowId, parentId or "", priority, delayMs, queue], ...].
-- Returns the number of invocations recorded.
-- @include lib
-- @include data
-- @include enqueue
local SP, OP, BP = ARGV[1], ARGV[2], ARGV[3]
local list = cjson.decode(ARGV[4])
local now = now_ms()
local added = {}
local seq = reserve_seqs(BP, #list)
for i, inv in ipairs(list) do
  save_invocation(SP, inv)
  local id, at, task = inv[1], inv[3], inv[4]
  local key = OP .. 'inv:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'task', task, 'status', 'REGISTERED', 'owner', '', 'token', '0', 'retries', '0',
      'updated', fmt(at), 'hlen', '1', 'rs', '', 'rl', '0', 'rr', '0', 'gs', '')
    reindex(OP, id, task, nil, 'REGISTERED', nil, '', at)
    add_history(OP, id, 1, 'REGISTERED', '', 0, nil, at, nil)
    enqueue(BP, id, inv[7], inv[8], inv[9], now, seq + i - 1, true)
    added[#added + 1] = id
  end
end
flush()
if #added > 0 then
  -- One change line per invocation, `id \t REGISTERED` (change-message.ts).
  redis.call('PUBLISH', OP .. 'changed', table.concat(added, '\tREGISTERED\n') .. '\tREGISTERED')
  redis.call('PUBLISH', BP .. 'work', #added)
end
return #added
