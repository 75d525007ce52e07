-- Index writes gathered during one script and applied by flush() at its end, one variadic
-- command per key (pulled in once per script with "-- @include writes"). A job touches about
-- twenty index entries over its life; in a batch of fifty, one ZADD of fifty members costs a
-- fraction of fifty ZADDs (each redis.call from Lua has a fixed cost of several microseconds).
-- Only the last write of a member counts (as if applied in order). A script must not read a
-- key it has buffered writes for before flush(): scripts buffer index keys, which they never
-- read back, and rows they read once and keep (transition.lua's load), and call flush() before
-- any other read that could see them.
local W_Z, W_S, W_H, W_N, W_L = {}, {}, {}, {}, {}
local W_CHUNK = 1000

local function bucket(t, key)
  local b = t[key]
  if not b then
    b = {}
    t[key] = b
  end
  return b
end

-- Sorted set: add `member` with `score` (a number or its text), or remove it (score nil).
local function zwrite(key, member, score)
  bucket(W_Z, key)[member] = score or false
end

-- Set: add `member` (present) or remove it.
local function swrite(key, member, present)
  bucket(W_S, key)[member] = present
end

-- Hash field: set it to `value`, or delete it (value nil).
local function hwrite(key, field, value)
  bucket(W_H, key)[field] = value or false
end

-- Counter field of a hash: add `delta`; a field that reaches 0 or less is deleted.
local function count(key, field, delta)
  local b = bucket(W_N, key)
  b[field] = (b[field] or 0) + delta
end

-- List: append `value` (in order).
local function lpush_tail(key, value)
  local b = bucket(W_L, key)
  b[#b + 1] = value
end

-- Run `cmd key ...args` in chunks of W_CHUNK items of `width` arguments each.
local function chunked(cmd, key, args, width)
  local step = W_CHUNK * width
  for i = 1, #args, step do
    redis.call(cmd, key, unpack(args, i, math.min(i + step - 1, #args)))
  end
end

local function flush()
  for key, b in pairs(W_Z) do
    local add, rem = {}, {}
    for member, score in pairs(b) do
      if score then
        add[#add + 1] = score
        add[#add + 1] = member
      else
        rem[#rem + 1] = member
      end
    end
    if #rem > 0 then chunked('ZREM', key, rem, 1) end
    if #add > 0 then chunked('ZADD', key, add, 2) end
  end
  for key, b in pairs(W_S) do
    local add, rem = {}, {}
    for member, present in pairs(b) do
      if present then add[#add + 1] = member else rem[#rem + 1] = member end
    end
    if #rem > 0 then chunked('SREM', key, rem, 1) end
    if #add > 0 then chunked('SADD', key, add, 1) end
  end
  for key, b in pairs(W_H) do
    local set, del = {}, {}
    for field, value in pairs(b) do
      if value then
        set[#set + 1] = field
        set[#set + 1] = value
      else
        del[#del + 1] = field
      end
    end
    if #del > 0 then chunked('HDEL', key, del, 1) end
    if #set > 0 then chunked('HSET', key, set, 2) end
  end
  for key, b in pairs(W_N) do
    for field, delta in pairs(b) do
      if delta ~= 0 and redis.call('HINCRBY', key, field, delta) <= 0 then
        redis.call('HDEL', key, field)
      end
    end
  end
  for key, b in pairs(W_L) do
    chunked('RPUSH', key, b, 1)
  end
  W_Z, W_S, W_H, W_N, W_L = {}, {}, {}, {}, {}
end
