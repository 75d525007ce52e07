-- A named lease with a server-side expiry (no client clocks involved).
-- ARGV[1] orchestrator key prefix; ARGV[2] "acquire" | "release"; ARGV[3] name; ARGV[4] holder; ARGV[5] ttl ms.
local key = ARGV[1] .. 'lease:' .. ARGV[3]
local current = redis.call('GET', key)
if ARGV[2] == 'acquire' then
  if current and current ~= ARGV[4] then return 0 end
  redis.call('SET', key, ARGV[4], 'PX', ARGV[5])
  return 1
end
if current == ARGV[4] then redis.call('DEL', key) end
return 1
