-- Milliseconds until work may be claimable in the queues of ARGV[2] (a JSON list; empty: every
-- queue): 0 when ready ids exist there, the wait for the earliest delayed id (of any queue), or
-- -1 when nothing is queued. ARGV[1] broker key prefix.
-- @include queues
if redis.call('EXISTS', P .. 'ready') == 1 then return 0 end
for _, queue in ipairs(queue_names(ARGV[2])) do
  if redis.call('ZCARD', P .. 'ready:' .. queue) > 0 then return 0 end
end
return next_delayed(server_now())
