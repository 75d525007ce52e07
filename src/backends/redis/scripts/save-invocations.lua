-- Store invocation data (first write wins) and its indexes, atomically.
-- ARGV[1] state key prefix; ARGV[2] JSON [[id, json, createdAt, taskId, workflowId, parentId or ""], ...].
-- @include data
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local n = 0
for _, inv in ipairs(list) do
  if save_invocation(P, inv) then n = n + 1 end
end
flush()
return n
