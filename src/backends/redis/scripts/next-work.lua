-- Milliseconds until work may be claimable: 0 when ready ids exist, the wait for the earliest
-- delayed id, or -1 when the queue is empty. ARGV[1] broker key prefix.
local P = ARGV[1]
if redis.call('ZCARD', P .. 'ready') > 0 then return 0 end
local first = redis.call('ZRANGE', P .. 'delayed', 0, 0, 'WITHSCORES')
if #first == 0 then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = tonumber(first[2]) - now
if wait < 0 then return 0 end
return wait
