-- Shared by route and register-route (pulled in with "-- @include enqueue").
-- Queue one id. Ready ids go to "ready:<queue>" scored -priority * 1e10 + seq (highest priority
-- first, then FIFO; seq is global, so scores compare across queues); delayed ones wait in
-- "delayed" scored by their due time on the server's clock (`now`). "qof" maps each queued id
-- to its queue and "queues" lists every queue name. Routing an id that is already queued moves
-- it (keeping its earlier ready position when both are ready in the same queue).
local function enqueue(P, id, priority, delay, queue, now)
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
