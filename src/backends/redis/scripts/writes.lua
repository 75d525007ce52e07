-- Index writes gathered during one script and applied by flush() at its end, one variadic
-- command per key (pulled in once per script with "-- @include writes"). A job touches about
-- twenty index entries over its life; in a batch of fifty, one ZADD of fifty members costs a
-- fraction of fifty ZADDs (each redis.call from Lua has a fixed cost of several microseconds).
-- Only the last write of a member counts (as if applied in order). A script must not read a
-- key it has buffered writes for before flush(): scripts buffer index keys, which they never
-- read back, and call flush() before any other read that could see them. (Invocation rows are
-- not buffered here: transitions.lua keeps the rows it read and writes each back once.)
local W_Z, W_S, W_H, W_N, W_L, W_P = {}, {}, {}, {}, {}, {}
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

-- Sorted set of packed members: `item` joins the one member this script writes to `key` with
-- `score` (the items joined by ','). The history index takes a script's entries of one time as
-- one member: a claim of fifty writes a member, not a hundred.
local function zappend(key, score, item)
  local items = bucket(bucket(W_P, key), score)
  items[#items + 1] = item
end

-- Run `cmd key ...args` in chunks of W_CHUNK items of `width` arguments each.
local function chunked(cmd, key, args, width)
  local step = W_CHUNK * width
  for i = 1, #args, step do
    redis.call(cmd, key, unpack(args, i, math.min(i + step - 1, #args)))
  end
end

-- Apply one kind of buffer: per key, the removals (value false) with `rem_cmd`, then the rest
-- with `add_cmd`, its arguments per item in `order`: 'vk' (score, member), 'kv' (field, value)
-- or 'k' (member).
local function apply(buckets, order, add_cmd, rem_cmd)
  for key, b in pairs(buckets) do
    local add, rem = {}, {}
    for k, v in pairs(b) do
      if v == false then
        rem[#rem + 1] = k
      elseif order == 'vk' then
        add[#add + 1] = v
        add[#add + 1] = k
      elseif order == 'kv' then
        add[#add + 1] = k
        add[#add + 1] = v
      else
        add[#add + 1] = k
      end
    end
    if #rem > 0 then chunked(rem_cmd, key, rem, 1) end
    if #add > 0 then chunked(add_cmd, key, add, order == 'k' and 1 or 2) end
  end
end

local function flush()
  for key, b in pairs(W_P) do
    for score, items in pairs(b) do zwrite(key, table.concat(items, ','), score) end
  end
  apply(W_Z, 'vk', 'ZADD', 'ZREM')
  apply(W_S, 'k', 'SADD', 'SREM')
  apply(W_H, 'kv', 'HSET', 'HDEL')
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
  W_Z, W_S, W_H, W_N, W_L, W_P = {}, {}, {}, {}, {}, {}
end
