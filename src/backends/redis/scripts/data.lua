-- Shared by save-invocations and register-route (pulled in with "-- @include data").
-- Store one invocation's data (first write wins) and its indexes; true when it was new.
-- inv: { id, json, createdAt, taskId, workflowId, parentId or "" }.
local function save_invocation(P, inv)
  local id, json, at, task, wf, parent = inv[1], inv[2], string.format('%.0f', inv[3]), inv[4], inv[5], inv[6]
  if not redis.call('SET', P .. 'inv:' .. id, json, 'NX') then return false end
  redis.call('ZADD', P .. 'created', at, id)
  redis.call('ZADD', P .. 'by-wf:' .. wf, at, id)
  redis.call('ZADD', P .. 'by-task:' .. task, at, id)
  if parent == '' then
    redis.call('ZADD', P .. 'roots', at, id)
  else
    redis.call('ZADD', P .. 'by-parent:' .. parent, at, id)
  end
  return true
end
