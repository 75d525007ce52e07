-- Record new invocations as REGISTERED with their first history row; existing ids are left alone.
-- ARGV[1] orchestrator key prefix; ARGV[2] JSON [[id, taskId, createdAt], ...].
-- @include lib
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local added = {}
for _, inv in ipairs(list) do
  local id, task, at = inv[1], inv[2], inv[3]
  local key = P .. 'inv:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'task', task, 'status', 'REGISTERED', 'owner', '', 'token', 0, 'retries', 0,
      'updated', fmt(at), 'hlen', 1)
    reindex(P, id, task, nil, 'REGISTERED', nil, '', at)
    add_history(P, id, 1, 'REGISTERED', '', 0, nil, at, nil)
    added[#added + 1] = id
  end
end
if #added > 0 then
  redis.call('PUBLISH', P .. 'changed', table.concat(added, '\n'))
end
return #added
