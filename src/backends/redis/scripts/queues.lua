-- Shared by claim, claim-start and next-work. ARGV[1] broker key prefix.
-- @include writes
local P = ARGV[1]

-- The queue names of a JSON list, or every known queue when the list is empty or not given.
local function queue_names(json)
  local names = cjson.decode(json or '[]')
  if #names == 0 then names = redis.call('SMEMBERS', P .. 'queues') end
  return names
end

local function server_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Ids queued before queues existed (one "ready" set) join the default queue.
local function adopt_unqueued()
  if redis.call('EXISTS', P .. 'ready') == 0 then return end
  local all = redis.call('ZRANGE', P .. 'ready', 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    redis.call('ZADD', P .. 'ready:default', all[i + 1], all[i])
    redis.call('HSET', P .. 'qof', all[i], 'default')
  end
  redis.call('SADD', P .. 'queues', 'default')
  redis.call('DEL', P .. 'ready')
end

-- Milliseconds from `now` until the earliest delayed id (of any queue) is due: 0 when it is,
-- -1 when none is delayed.
local function next_delayed(now)
  local first = redis.call('ZRANGE', P .. 'delayed', 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  local wait = tonumber(first[2]) - now
  if wait < 0 then return 0 end
  return wait
end

-- The server time claim_ids saw (for next_delayed after a claim).
local claimed_at = 0

-- Take up to `max` ready ids of the queues in `queues_json` (see claim.lua), each exactly once.
local function claim_ids(max, queues_json)
  adopt_unqueued()
  claimed_at = server_now()
  local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', string.format('%.0f', claimed_at), 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local score = redis.call('HGET', P .. 'queued', id) or '0'
    local queue = redis.call('HGET', P .. 'qof', id) or 'default'
    redis.call('ZADD', P .. 'ready:' .. queue, score, id)
    redis.call('ZREM', P .. 'delayed', id)
  end
  local names = queue_names(queues_json)
  if #names == 1 then
    -- One queue (the common case): its first `max` are already in claim order.
    local ready = P .. 'ready:' .. names[1]
    local ids = redis.call('ZRANGE', ready, 0, max - 1)
    if #ids > 0 then
      chunked('ZREM', ready, ids, 1)
      chunked('HDEL', P .. 'queued', ids, 1)
      chunked('HDEL', P .. 'qof', ids, 1)
    end
    return ids
  end
  -- The best `max` of each queue, merged by score (scores are unique: seq is global).
  local candidates = {}
  for _, queue in ipairs(names) do
    local top = redis.call('ZRANGE', P .. 'ready:' .. queue, 0, max - 1, 'WITHSCORES')
    for i = 1, #top, 2 do
      candidates[#candidates + 1] = { id = top[i], score = tonumber(top[i + 1]), queue = queue }
    end
  end
  table.sort(candidates, function(a, b) return a.score < b.score end)
  local ids = {}
  for i = 1, math.min(max, #candidates) do
    local c = candidates[i]
    zwrite(P .. 'ready:' .. c.queue, c.id)
    hwrite(P .. 'queued', c.id)
    hwrite(P .. 'qof', c.id)
    ids[#ids + 1] = c.id
  end
  flush()
  return ids
end
