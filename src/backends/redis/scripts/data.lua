-- Shared by save-invocations and register-route (pulled in with "-- @include data").
-- Store one invocation's data (first write wins) and its indexes (buffered: the script calls
-- flush()); true when it was new. inv: { id, json, createdAt, taskId, workflowId, parentId or "" }.
-- @include writes
-- @include text
local function save_invocation(P, inv)
  local id, json, at, task, wf, parent = inv[1], inv[2], fmt(inv[3]), inv[4], inv[5], inv[6]
  if not redis.call('SET', P .. 'inv:' .. id, json, 'NX') then return false end
  zwrite(P .. 'created', id, at)
  zwrite(P .. 'by-wf:' .. wf, id, at)
  zwrite(P .. 'by-task:' .. task, id, at)
  if parent == '' then
    zwrite(P .. 'roots', id, at)
  else
    zwrite(P .. 'by-parent:' .. parent, id, at)
  end
  return true
end
