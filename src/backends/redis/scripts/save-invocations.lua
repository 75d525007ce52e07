-- Store invocation data (first write wins) and its indexes, atomically.
-- ARGV[1] state key prefix; ARGV[2] JSON [[id, json, createdAt, taskId, workflowId, parentId or ""], ...].
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local n = 0
for _, inv in ipairs(list) do
  local id, json, at, task, wf, parent = inv[1], inv[2], string.format('%.0f', inv[3]), inv[4], inv[5], inv[6]
  if redis.call('SET', P .. 'inv:' .. id, json, 'NX') then
    redis.call('ZADD', P .. 'created', at, id)
    redis.call('ZADD', P .. 'by-wf:' .. wf, at, id)
    redis.call('ZADD', P .. 'by-task:' .. task, at, id)
    if parent == '' then
      redis.call('ZADD', P .. 'roots', at, id)
    else
      redis.call('ZADD', P .. 'by-parent:' .. parent, at, id)
    end
    n = n + 1
  end
end
return n
