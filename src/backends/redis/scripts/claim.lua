-- Take up to ARGV[2] ready ids (highest priority, then oldest), each exactly once; returns them
-- as a JSON array. ARGV[1] broker key prefix. Delayed ids whose time has come (server clock)
-- become ready first. ARGV[3] is a call id: the reply is kept for a minute, so a call that
-- ioredis re-sends after a dropped connection gets the same ids instead of losing them.
local P = ARGV[1]
local replay_key = P .. 'reply:' .. ARGV[3]
local replayed = redis.call('GET', replay_key)
if replayed then return replayed end
local max = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', string.format('%.0f', now), 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  local score = redis.call('HGET', P .. 'queued', id) or '0'
  redis.call('ZADD', P .. 'ready', score, id)
  redis.call('ZREM', P .. 'delayed', id)
end
local ids = redis.call('ZRANGE', P .. 'ready', 0, max - 1)
for _, id in ipairs(ids) do
  redis.call('ZREM', P .. 'ready', id)
  redis.call('HDEL', P .. 'queued', id)
end
local reply = '[]'
if #ids > 0 then reply = cjson.encode(ids) end
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
