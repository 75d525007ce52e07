-- A page of `find` by status or task, read atomically: ARGV[5] members after the first ARGV[6]
-- (by update time, ascending or with ARGV[4] = '1' descending, within scores
-- ARGV[2]..ARGV[3]) of each sorted set named in ARGV[7..], then each distinct id's status
-- fields (ARGV[1]: the orchestrator prefix). Read in one script, the index and the rows agree
-- (scripts apply their index writes before they return): read in two round trips, invocations
-- that moved on between them left a page empty while others still matched.
-- Returns { id1, { fields... }, id2, { fields... }, ... } in the STATUS_FIELDS order.
local P, min, max, desc, take, skip = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
local FIELDS = __STATUS_FIELDS_LUA__
local seen, out = {}, {}
for i = 7, #ARGV do
  local ids
  if desc then
    ids = redis.call('ZREVRANGEBYSCORE', ARGV[i], max, min, 'LIMIT', skip, take)
  else
    ids = redis.call('ZRANGEBYSCORE', ARGV[i], min, max, 'LIMIT', skip, take)
  end
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      out[#out + 1] = id
      out[#out + 1] = redis.call('HMGET', P .. 'inv:' .. id, unpack(FIELDS))
    end
  end
end
return out
