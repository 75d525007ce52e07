-- Delete invocation data, its indexes, its log lines and its large-value references, and the
-- values no invocation references any more, atomically; unknown ids are ignored.
-- ARGV[1] state key prefix; ARGV[2] JSON [id, ...]. Returns how many were found.
local P = ARGV[1]
local n = 0
for _, id in ipairs(cjson.decode(ARGV[2])) do
  local raw = redis.call('GET', P .. 'inv:' .. id)
  if raw then
    local ok, inv = pcall(cjson.decode, raw)
    if ok and type(inv) == 'table' then
      if type(inv.workflowId) == 'string' then redis.call('ZREM', P .. 'by-wf:' .. inv.workflowId, id) end
      if type(inv.taskId) == 'string' then redis.call('ZREM', P .. 'by-task:' .. inv.taskId, id) end
      if type(inv.parentId) == 'string' then redis.call('ZREM', P .. 'by-parent:' .. inv.parentId, id) end
    end
    n = n + 1
  end
  redis.call('ZREM', P .. 'created', id)
  redis.call('ZREM', P .. 'roots', id)
  for _, hash in ipairs(redis.call('SMEMBERS', P .. 'refs:' .. id)) do
    redis.call('SREM', P .. 'val-refs:' .. hash, id)
    if redis.call('SCARD', P .. 'val-refs:' .. hash) == 0 then redis.call('DEL', P .. 'val:' .. hash) end
  end
  redis.call('DEL', P .. 'inv:' .. id, P .. 'logs:' .. id, P .. 'refs:' .. id)
end
return n
