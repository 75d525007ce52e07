-- Record one workflow step, fenced: only while the invocation is executing (RUNNING/RESUMED)
-- under the caller's token; an existing step of that number is returned instead.
-- ARGV[1] orchestrator key prefix; ARGV[2] invocation id; ARGV[3] step number; ARGV[4] step JSON;
-- ARGV[5] token; ARGV[6] JSON list of executing statuses; ARGV[7..9] workflow id, data key, data value (optional).
-- Returns { "fenced" } | { "exists", stepJson } | { "recorded" }.
local P = ARGV[1]
local v = redis.call('HMGET', P .. 'inv:' .. ARGV[2], 'status', 'token')
local executing = false
for _, s in ipairs(cjson.decode(ARGV[6])) do
  if v[1] == s then executing = true end
end
if not executing or tonumber(v[2]) ~= tonumber(ARGV[5]) then return { 'fenced' } end
local key = P .. 'wf-steps:' .. ARGV[2]
local existing = redis.call('HGET', key, ARGV[3])
if existing then return { 'exists', existing } end
redis.call('HSET', key, ARGV[3], ARGV[4])
if ARGV[7] and ARGV[7] ~= '' then redis.call('HSET', P .. 'wf-data:' .. ARGV[7], ARGV[8], ARGV[9]) end
return { 'recorded' }
