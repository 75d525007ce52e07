-- Shared by save-invocations and register-route (pulled in with "-- @include data").
-- Store one invocation's data (first write wins) and its indexes (buffered: the script calls
-- flush()); true when it was new. inv: { id, json, createdAt, taskId, workflowId, parentId or "" }.
-- @include writes
-- @include text

-- by-wf:<workflow> lists a workflow's invocations once it has more than its root: an invocation
-- that is its own workflow (every plain call) gets no index of its own, one key and one write
-- fewer per registration; its workflow's first other member brings it in (or it joins an index
-- its members made first). A reader finding no by-wf:<id> reads the root alone.
local ROOT_INDEXED = {}
local function index_workflow_root(P, wf)
  if ROOT_INDEXED[wf] then return end
  ROOT_INDEXED[wf] = true
  local raw = redis.call('GET', P .. 'inv:' .. wf)
  if not raw then return end
  local ok, root = pcall(cjson.decode, raw)
  if ok and type(root) == 'table' and root.workflowId == wf and type(root.createdAt) == 'number' then
    zwrite(P .. 'by-wf:' .. wf, wf, fmt(root.createdAt))
  end
end

local function save_invocation(P, inv)
  local id, json, at, task, wf, parent = inv[1], inv[2], fmt(inv[3]), inv[4], inv[5], inv[6]
  if not redis.call('SET', P .. 'inv:' .. id, json, 'NX') then return false end
  zwrite(P .. 'created', id, at)
  if wf ~= id then
    zwrite(P .. 'by-wf:' .. wf, id, at)
    index_workflow_root(P, wf)
  elseif W_Z[P .. 'by-wf:' .. id] or redis.call('EXISTS', P .. 'by-wf:' .. id) == 1 then
    zwrite(P .. 'by-wf:' .. id, id, at)
  end
  zwrite(P .. 'by-task:' .. task, id, at)
  if parent == '' then
    zwrite(P .. 'roots', id, at)
  else
    zwrite(P .. 'by-parent:' .. parent, id, at)
  end
  return true
end
