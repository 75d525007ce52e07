-- Shared by claim and next-work. ARGV[1] broker key prefix.
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
