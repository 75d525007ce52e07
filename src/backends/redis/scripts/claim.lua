-- Take up to ARGV[2] ready ids of the queues in ARGV[4] (a JSON list; empty: every queue),
-- highest priority then oldest across those queues, each exactly once; returns them as a JSON
-- array. ARGV[1] broker key prefix. Delayed ids whose time has come (server clock) become ready
-- in their queue first. ARGV[3] is a call id: the reply is kept for a minute, so a call that
-- ioredis re-sends after a dropped connection gets the same ids instead of losing them.
-- @include queues
local replay_key = P .. 'reply:' .. ARGV[3]
local replayed = redis.call('GET', replay_key)
if replayed then return replayed end
local max = tonumber(ARGV[2])
adopt_unqueued()
local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', string.format('%.0f', server_now()), 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  local score = redis.call('HGET', P .. 'queued', id) or '0'
  local queue = redis.call('HGET', P .. 'qof', id) or 'default'
  redis.call('ZADD', P .. 'ready:' .. queue, score, id)
  redis.call('ZREM', P .. 'delayed', id)
end
-- The best `max` of each queue, merged by score (scores are unique: seq is global).
local candidates = {}
for _, queue in ipairs(queue_names(ARGV[4])) do
  local top = redis.call('ZRANGE', P .. 'ready:' .. queue, 0, max - 1, 'WITHSCORES')
  for i = 1, #top, 2 do
    candidates[#candidates + 1] = { id = top[i], score = tonumber(top[i + 1]), queue = queue }
  end
end
table.sort(candidates, function(a, b) return a.score < b.score end)
local ids = {}
for i = 1, math.min(max, #candidates) do
  local c = candidates[i]
  redis.call('ZREM', P .. 'ready:' .. c.queue, c.id)
  redis.call('HDEL', P .. 'queued', c.id)
  redis.call('HDEL', P .. 'qof', c.id)
  ids[#ids + 1] = c.id
end
local reply = '[]'
if #ids > 0 then reply = cjson.encode(ids) end
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
