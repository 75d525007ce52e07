-- Runner contexts and heartbeats, stamped with the server's clock (TIME).
-- ARGV[1] orchestrator key prefix; ARGV[2] operation; ARGV[3..] arguments.
--   register <json context>        record (or refresh) a runner; heartbeat now; clears "stopped", "stopping"
--   heartbeat <id> ...             stamp the heartbeat of known runners
--   stopping <drainMs> <id> ...    runners draining: "stopping" = now + drainMs (they keep beating)
--   stop <id> ...                  mark runners stopped (never dead afterwards)
--   dead-note <note> <id> ...      how runners were declared dead (their next heartbeat clears it)
--   dead <olderThanMs>             ids of runners not stopped whose heartbeat is older
local P = ARGV[1]
local op = ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now_s = string.format('%.0f', now)

if op == 'register' then
  local c = cjson.decode(ARGV[3])
  local key = P .. 'runner:' .. c.id
  redis.call('HSET', key, 'id', c.id, 'kind', c.kind, 'host', c.host, 'pid', c.pid, 'thread', c.threadId,
    'started', string.format('%.0f', c.startedAt), 'hb', now_s)
  redis.call('HDEL', key, 'stopped', 'stopping', 'parent', 'dead', 'pst')
  if type(c.parentId) == 'string' then redis.call('HSET', key, 'parent', c.parentId) end
  if type(c.procStart) == 'number' then redis.call('HSET', key, 'pst', string.format('%.0f', c.procStart)) end
  redis.call('ZADD', P .. 'runners', string.format('%.0f', c.startedAt), c.id)
  redis.call('ZADD', P .. 'alive', now_s, c.id)
  return 1
elseif op == 'heartbeat' then
  for i = 3, #ARGV do
    local key = P .. 'runner:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'hb', now_s)
      redis.call('HDEL', key, 'dead')
      if redis.call('HEXISTS', key, 'stopped') == 0 then redis.call('ZADD', P .. 'alive', now_s, ARGV[i]) end
    end
  end
  return 1
elseif op == 'stopping' then
  local until_s = string.format('%.0f', now + tonumber(ARGV[3]))
  for i = 4, #ARGV do
    local key = P .. 'runner:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'stopping', until_s) end
  end
  return 1
elseif op == 'stop' then
  for i = 3, #ARGV do
    local key = P .. 'runner:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'stopped', now_s)
      redis.call('ZREM', P .. 'alive', ARGV[i])
    end
  end
  return 1
elseif op == 'dead-note' then
  for i = 4, #ARGV do
    local key = P .. 'runner:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'dead', ARGV[3]) end
  end
  return 1
elseif op == 'dead' then
  return redis.call('ZRANGEBYSCORE', P .. 'alive', '-inf', '(' .. string.format('%.0f', now - tonumber(ARGV[3])))
end
return redis.error_reply('unknown runners operation ' .. tostring(op))
