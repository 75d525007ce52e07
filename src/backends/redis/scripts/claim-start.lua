-- Claim and start in one step (the engine's AtomicClaimer, when broker, orchestrator and state
-- backend are all this Redis): take up to ARGV[2] ready ids of the queues in ARGV[4] (as
-- claim.lua), apply to each the claim transition PENDING then RUNNING for runner ARGV[7]
-- (expectFrom ARGV[8], a JSON list; as transition.lua, with its concurrency diversions), and
-- read the data of those that started. ARGV[1] broker, ARGV[5] orchestrator, ARGV[6] state key
-- prefixes; ARGV[3] a call id (the reply is kept for a minute: a re-sent call gets it again).
-- Returns { json, id1, data1, id2, data2, ... }: json is { ids, results?, corrupt?, next? } —
-- `corrupt` when a claimed row cannot be decoded (no transition applied; the caller claims
-- those ids one by one), else `results` per id in `ids` order — and then each id now RUNNING
-- with its stored invocation JSON, as bulk strings (not escaped into the JSON). Only the json
-- is kept for a re-sent call; the data, which does not change, is read again then. `next`, when
-- fewer than asked were taken (the queues are empty): ms until the earliest delayed id is due
-- (0 now, -1 none), so the runner waits for a wake-up without a look of its own (next-work.lua).
-- @include queues
-- @include transitions
local replay_key = P .. 'reply:' .. ARGV[3]

-- The reply: the json, then each started invocation's id and data.
local function with_data(json, ids, results)
  local reply = { json }
  for i, r in ipairs(results or {}) do
    if r[1] == 1 and r[3] == 'RUNNING' then
      local data = redis.call('GET', ARGV[6] .. 'inv:' .. ids[i])
      if data then
        reply[#reply + 1] = ids[i]
        reply[#reply + 1] = data
      end
    end
  end
  return reply
end

local replayed = redis.call('GET', replay_key)
if replayed then
  local out = cjson.decode(replayed)
  return with_data(replayed, out.ids or {}, out.results)
end
local max = tonumber(ARGV[2])
local ids = claim_ids(max, ARGV[4])
local out = { ids = ids }
if #ids < max then out.next = next_delayed(claimed_at) end
if #ids > 0 then
  local expect = cjson.decode(ARGV[8])
  local reqs = {}
  for i, id in ipairs(ids) do
    reqs[i] = { id = id, to = 'PENDING', th = 'RUNNING', r = ARGV[7], e = expect }
  end
  local applied = apply_transitions(ARGV[5], reqs)
  out.corrupt, out.results = applied.corrupt, applied.results
end
local json = out.results and '{"ids":' .. cjson.encode(ids) .. ',"results":' .. results_json(out.results)
    .. (out.next and ',"next":' .. out.next or '') .. '}'
  or cjson.encode(out)
-- An empty reply is not kept: nothing was taken, so a re-sent call loses nothing by claiming again.
if #ids > 0 then redis.call('SET', replay_key, json, 'PX', 60000) end
return with_data(json, ids, out.results)
