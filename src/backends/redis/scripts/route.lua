-- Queue invocation ids. ARGV[1] broker key prefix; ARGV[2] JSON [[id, priority, delayMs, queue], ...].
-- Ready ids go to "ready:<queue>" scored -priority * 1e10 + seq (highest priority first, then
-- FIFO; seq is global, so scores compare across queues); delayed ones wait in "delayed" scored
-- by their due time on the server's clock. "qof" maps each queued id to its queue and "queues"
-- lists every queue name. Routing an id that is already queued moves it (keeping its earlier
-- ready position when both are ready in the same queue).
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, r in ipairs(list) do
  local id, priority, delay, queue = r[1], r[2], r[3], r[4]
  local seq = redis.call('INCR', P .. 'seq')
  local score = -priority * 1e10 + seq
  local oldq = redis.call('HGET', P .. 'qof', id)
  local old = false
  if oldq then
    old = redis.call('ZSCORE', P .. 'ready:' .. oldq, id)
    redis.call('ZREM', P .. 'ready:' .. oldq, id)
    if oldq ~= queue then old = false end
  end
  redis.call('ZREM', P .. 'delayed', id)
  redis.call('SADD', P .. 'queues', queue)
  redis.call('HSET', P .. 'qof', id, queue)
  if delay > 0 then
    redis.call('ZADD', P .. 'delayed', string.format('%.0f', now + delay), id)
  else
    if old and tonumber(old) < score then score = tonumber(old) end
    redis.call('ZADD', P .. 'ready:' .. queue, string.format('%.0f', score), id)
  end
  redis.call('HSET', P .. 'queued', id, string.format('%.0f', score))
end
redis.call('PUBLISH', P .. 'work', #list)
return #list
