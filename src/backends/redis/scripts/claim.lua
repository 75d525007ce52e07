-- Take up to ARGV[2] ready ids of the queues in ARGV[4] (a JSON list; empty: every queue),
-- highest priority then oldest across those queues, each exactly once; returns them as a JSON
-- array. ARGV[1] broker key prefix. Delayed ids whose time has come (server clock) become ready
-- in their queue first. ARGV[3] is a call id: the reply is kept for a minute, so a call that
-- ioredis re-sends after a dropped connection gets the same ids instead of losing them (an
-- empty reply is not kept: nothing was taken, so a re-sent call loses nothing by claiming again).
-- @include queues
local replay_key = P .. 'reply:' .. ARGV[3]
local replayed = redis.call('GET', replay_key)
if replayed then return replayed end
local ids = claim_ids(tonumber(ARGV[2]), ARGV[4])
if #ids == 0 then return '[]' end
local reply = cjson.encode(ids)
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
