-- Shared by the orchestrator scripts (pulled in with "-- @include lib").
-- SPEC is generated from STATUS_TABLE in src/core/status.ts at load time; it is never
-- written by hand: { STATUS = { n = { NEXT = true }, e = onEnter, o = leaveRequiresOwner } }.
local SPEC = cjson.decode([=[__STATUS_TABLE_JSON__]=])

-- Server time in ms: one clock for every host.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function fmt(n)
  return string.format('%.0f', n)
end

-- Index updates for an invocation whose status, owner or update time changed.
local function reindex(P, id, task, old_status, new_status, old_owner, new_owner, at)
  if old_status then
    redis.call('ZREM', P .. 'by-status:' .. old_status, id)
  end
  redis.call('ZADD', P .. 'by-status:' .. new_status, fmt(at), id)
  redis.call('ZADD', P .. 'all', fmt(at), id)
  redis.call('ZADD', P .. 'by-task:' .. task, fmt(at), id)
  if old_owner ~= new_owner then
    if old_owner and old_owner ~= '' then
      redis.call('SREM', P .. 'by-owner:' .. old_owner, id)
    end
    if new_owner ~= '' then
      redis.call('SADD', P .. 'by-owner:' .. new_owner, id)
    end
  end
  if old_status ~= new_status then
    if old_status then
      local field = task .. '\t' .. old_status
      if redis.call('HINCRBY', P .. 'counts', field, -1) <= 0 then
        redis.call('HDEL', P .. 'counts', field)
      end
    end
    redis.call('HINCRBY', P .. 'counts', task .. '\t' .. new_status, 1)
  end
end

-- Append one history entry (JSON; absent fields are null) and index it by time.
local function add_history(P, id, seq, status, owner, token, actor, at, note)
  local entry = { seq = seq, status = status, token = token, at = at }
  if owner ~= '' then entry.owner = owner end
  if actor then entry.actor = actor end
  if note then entry.note = note end
  redis.call('RPUSH', P .. 'hist:' .. id, cjson.encode(entry))
  redis.call('ZADD', P .. 'hist-at', fmt(at), string.format('%010d', seq) .. '#' .. id)
end
