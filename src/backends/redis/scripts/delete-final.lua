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
-- The history index entries of the deleted ("<seq>#<id>") and the times they are filed under.
local doomed, times = {}, {}
for i = 1, math.min(limit, #candidates) do
  local c = candidates[i]
  local key = P .. 'inv:' .. c.id
  local task, owner = unpack(redis.call('HMGET', key, 'task', 'owner'))
  for seq, entry in ipairs(redis.call('LRANGE', P .. 'hist:' .. c.id, 0, -1)) do
    doomed[string.format('%010d', seq) .. '#' .. c.id] = true
    local at = string.match(entry, '"at":(-?%d+)')
    if at then times[at] = true end
  end
  -- A workflow's steps go with it; its data with the workflow's root (whose id is the workflow id).
  -- out:<id>: an outcome as versions before the row held it stored it.
  redis.call('DEL', key, P .. 'hist:' .. c.id, P .. 'out:' .. c.id, P .. 'wf-steps:' .. c.id, P .. 'wf-data:' .. c.id)
  redis.call('ZREM', P .. 'by-status:' .. c.status, c.id)
  redis.call('ZREM', P .. 'all', c.id) -- an index versions before 0.1.0's release kept
  if task then
    redis.call('ZREM', P .. 'by-task:' .. task, c.id)
    local field = task .. '\t' .. c.status
    if redis.call('HINCRBY', P .. 'counts', field, -1) <= 0 then redis.call('HDEL', P .. 'counts', field) end
  end
  if owner and owner ~= '' then redis.call('SREM', P .. 'by-owner:' .. owner, c.id) end
  ids[#ids + 1] = c.id
end
-- hist-at members hold several entries (lib.lua): each member filed under those times loses the
-- deleted ones, and goes when none is left.
for at in pairs(times) do
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', P .. 'hist-at', at, at)) do
    local kept, cut = {}, false
    for ref in string.gmatch(member, '[^,]+') do
      if doomed[ref] then cut = true else kept[#kept + 1] = ref end
    end
    if cut then
      redis.call('ZREM', P .. 'hist-at', member)
      if #kept > 0 then redis.call('ZADD', P .. 'hist-at', at, table.concat(kept, ',')) end
    end
  end
end
if #ids == 0 then return '[]' end
return cjson.encode(ids)
