-- Shared by the orchestrator scripts (pulled in with "-- @include lib"). Index writes are
-- buffered (writes.lua): a script that includes lib calls flush() before it returns.
-- @include writes
-- @include text
-- SPEC is generated from STATUS_TABLE in src/core/status.ts at load time; it is never
-- written by hand: { STATUS = { n = { NEXT = true }, e = onEnter, o = leaveRequiresOwner } }.
-- (Lua table constructors, not JSON, each status's entry built when first read: decoding or
-- building the whole table on every call cost more than a transition.)
local SPEC = __STATUS_TABLE_LUA__

-- Server time in ms: one clock for every host.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Index updates for an invocation whose status, owner or update time changed.
local function reindex(P, id, task, old_status, new_status, old_owner, new_owner, at)
  local score = fmt(at)
  if old_status and old_status ~= new_status then
    zwrite(P .. 'by-status:' .. old_status, id)
  end
  zwrite(P .. 'by-status:' .. new_status, id, score)
  zwrite(P .. 'by-task:' .. task, id, score)
  if old_owner ~= new_owner then
    if old_owner and old_owner ~= '' then
      swrite(P .. 'by-owner:' .. old_owner, id, false)
    end
    if new_owner ~= '' then
      swrite(P .. 'by-owner:' .. new_owner, id, true)
    end
  end
  if old_status ~= new_status then
    if old_status then
      count(P .. 'counts', task .. '\t' .. old_status, -1)
    end
    count(P .. 'counts', task .. '\t' .. new_status, 1)
  end
end

-- Append one history entry (JSON; absent fields are null) and index it by time: hist-at holds
-- one member per script and time, "<seq>#<id>,<seq>#<id>,..." (seq as 10 digits), scored by
-- the time (historyBetween splits them; a member of one entry is the layout before packing).
-- The entry is built as text (cjson.encode of a table cost a third of a claim's history);
-- status is a STATUS_TABLE name and seq, token and at whole numbers: only strings are escaped.
local function add_history(P, id, seq, status, owner, token, actor, at, note)
  local at_s = fmt(at)
  local entry = '{"seq":' .. itos(seq) .. ',"status":"' .. status .. '","token":' .. itos(token) .. ',"at":' .. at_s
  if owner ~= '' then entry = entry .. ',"owner":' .. cjson.encode(owner) end
  if actor then entry = entry .. ',"actor":' .. cjson.encode(actor) end
  if note then entry = entry .. ',"note":' .. cjson.encode(note) end
  lpush_tail(P .. 'hist:' .. id, entry .. '}')
  zappend(P .. 'hist-at', at_s, padded(seq) .. '#' .. id)
end

-- Concurrency notes and error (generated from core/concurrency.ts and errors/ at load time),
-- with placeholders: \1 invocation id, \2 scope, \3 detail, \4 limit, \5 other invocation id.
-- Built on first use: only concurrency control reads them.
local TEXTS = setmetatable({}, { __index = function(t, k)
  for name, text in pairs(__CONCURRENCY_TEXTS_LUA__) do rawset(t, name, text) end
  return rawget(t, k)
end })

local function fill(template, values)
  local out = template
  for k, v in pairs(values) do
    local i = string.find(out, k, 1, true)
    while i do
      out = string.sub(out, 1, i - 1) .. v .. string.sub(out, i + #k)
      i = string.find(out, k, i + #v, true)
    end
  end
  return out
end

-- The stored error of CONCURRENCY_CONTROLLED_FINAL (a ConcurrencyControlledError).
local function controlled_error(id, scope, detail)
  return cjson.encode({
    name = TEXTS.error.name,
    code = TEXTS.error.code,
    message = fill(TEXTS.error.message, { ['\1'] = id, ['\2'] = scope, ['\3'] = detail }),
  })
end

-- Concurrency index upkeep for one status change of invocation `id`:
--   slots:<rs>    set   the scope's slot holders (SPEC[s].h statuses)
--   waiters:<rs>  zset  its CONCURRENCY_CONTROLLED invocations, scored by the order they began
--                       waiting (counter wait-seq: times can tie)
--   scopes        hash  scope -> "<task>\t<limit>", the scopes with holders or waiters
--   reg:<gs>      string the non-final invocation holding a registration scope
local function track_concurrency(P, id, task, rs, rl, gs, old_status, new_status, at)
  if rs ~= '' then
    local was = old_status and SPEC[old_status].h
    local is = SPEC[new_status].h
    if is and not was then redis.call('SADD', P .. 'slots:' .. rs, id) end
    if was and not is then redis.call('SREM', P .. 'slots:' .. rs, id) end
    if new_status == 'CONCURRENCY_CONTROLLED' then
      redis.call('ZADD', P .. 'waiters:' .. rs, redis.call('INCR', P .. 'wait-seq'), id)
    elseif old_status == 'CONCURRENCY_CONTROLLED' then
      redis.call('ZREM', P .. 'waiters:' .. rs, id)
    end
    if redis.call('SCARD', P .. 'slots:' .. rs) == 0 and redis.call('ZCARD', P .. 'waiters:' .. rs) == 0 then
      redis.call('HDEL', P .. 'scopes', rs)
    else
      redis.call('HSET', P .. 'scopes', rs, task .. '\t' .. rl)
    end
  end
  if gs ~= '' and SPEC[new_status].f and redis.call('GET', P .. 'reg:' .. gs) == id then
    redis.call('DEL', P .. 'reg:' .. gs)
  end
end
