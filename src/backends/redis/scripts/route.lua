-- Queue invocation ids (see enqueue). ARGV[1] broker key prefix; ARGV[2] JSON [[id, priority, delayMs, queue], ...].
-- @include enqueue
local P = ARGV[1]
local list = cjson.decode(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = reserve_seqs(P, #list)
for i, r in ipairs(list) do
  enqueue(P, r[1], r[2], r[3], r[4], now, seq + i - 1, false)
end
flush()
redis.call('PUBLISH', P .. 'work', #list)
return #list
