-- Shared by route and register-route (pulled in with "-- @include enqueue").
-- Queue one id. Ready ids go to "ready:<queue>" scored -priority * 1e10 + seq (highest priority
-- first, then FIFO; seq is global, so scores compare across queues); delayed ones wait in
-- "delayed" scored by their due time on the server's clock (`now`). "qof" maps each queued id
-- to its queue and "queues" lists every queue name. Routing an id that is already queued moves
-- it (keeping its earlier ready position when both are ready in the same queue). `fresh`: the id
-- was recorded in this script, so it cannot be queued yet (no reads). Writes are buffered
-- (writes.lua): the script calls flush() before it returns.
-- @include writes
-- @include text

-- `n` consecutive values of the broker's seq counter, one call: returns the first.
local function reserve_seqs(P, n)
  return redis.call('INCRBY', P .. 'seq', n) - n + 1
end

local function enqueue(P, id, priority, delay, queue, now, seq, fresh)
  local score = -priority * 1e10 + seq
  local old = false
  if not fresh then
    flush() -- the reads below must see this script's earlier routes
    local oldq = redis.call('HGET', P .. 'qof', id)
    if oldq then
      old = redis.call('ZSCORE', P .. 'ready:' .. oldq, id)
      zwrite(P .. 'ready:' .. oldq, id)
      if oldq ~= queue then old = false end
    end
    zwrite(P .. 'delayed', id)
  end
  swrite(P .. 'queues', queue, true)
  hwrite(P .. 'qof', id, queue)
  if delay > 0 then
    zwrite(P .. 'delayed', id, string.format('%.0f', now + delay))
  else
    if old and tonumber(old) < score then score = tonumber(old) end
    zwrite(P .. 'ready:' .. queue, id, fmt(score))
  end
  hwrite(P .. 'queued', id, fmt(score))
end
