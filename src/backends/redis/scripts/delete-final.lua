-- Delete up to ARGV[4] invocations in a final status (ARGV[2], a JSON list) last updated before
-- ARGV[3] (ms), oldest first, with their history, history index entries and outcome (fields of
-- the row), and remove them from every index and count. ARGV[1] orchestrator key prefix.
-- Returns the ids as a JSON array. Atomic: a script runs alone.
local P = ARGV[1]
local finals = cjson.decode(ARGV[2])
local before = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local candidates = {}
for _, status in ipairs(finals) do
  local found = redis.call('ZRANGEBYSCORE', P .. 'by-status:' .. status, '-inf', '(' .. string.format('%.0f', before),
    'WITHSCORES', 'LIMIT', 0, limit)
  for i = 1, #found, 2 do
    candidates[#candidates + 1] = { id = found[i], at = tonumber(found[i + 1]), status = status }
  end
end
table.sort(candidates, function(a, b) return a.at < b.at end)
local ids = {}
for i = 1, math.min(limit, #candidates) do
  local c = candidates[i]
  local key = P .. 'inv:' .. c.id
  local task, owner, hlen = unpack(redis.call('HMGET', key, 'task', 'owner', 'hlen'))
  for seq = 1, tonumber(hlen or '0') or 0 do
    redis.call('ZREM', P .. 'hist-at', string.format('%010d', seq) .. '#' .. c.id)
  end
  -- A workflow's steps go with it; its data with the workflow's root (whose id is the workflow id).
  -- out:<id>: an outcome as versions before the row held it stored it.
  redis.call('DEL', key, P .. 'hist:' .. c.id, P .. 'out:' .. c.id, P .. 'wf-steps:' .. c.id, P .. 'wf-data:' .. c.id)
  redis.call('ZREM', P .. 'by-status:' .. c.status, c.id)
  redis.call('ZREM', P .. 'all', c.id)
  if task then
    redis.call('ZREM', P .. 'by-task:' .. task, c.id)
    local field = task .. '\t' .. c.status
    if redis.call('HINCRBY', P .. 'counts', field, -1) <= 0 then redis.call('HDEL', P .. 'counts', field) end
  end
  if owner and owner ~= '' then redis.call('SREM', P .. 'by-owner:' .. owner, c.id) end
  ids[#ids + 1] = c.id
end
if #ids == 0 then return '[]' end
return cjson.encode(ids)
