-- Store large values once under their hash and record each reference, atomically.
-- ARGV[1] state key prefix; then triples hash, data, invocation id from ARGV[2] on.
local P = ARGV[1]
for i = 2, #ARGV, 3 do
  local hash, data, inv = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('SET', P .. 'val:' .. hash, data, 'NX')
  redis.call('SADD', P .. 'val-refs:' .. hash, inv)
  redis.call('SADD', P .. 'refs:' .. inv, hash)
end
return 1
