-- Compare-and-set of one trigger state (a hash { value, version }).
-- ARGV[1] orchestrator key prefix; ARGV[2] key; ARGV[3] value; ARGV[4] expected version (0: absent).
local key = ARGV[1] .. 'trigger:' .. ARGV[2]
local version = tonumber(redis.call('HGET', key, 'version') or '0')
if version ~= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', key, 'value', ARGV[3], 'version', version + 1)
return 1
