-- Apply compare-and-set transitions in order, atomically: for each request the CAS check
-- (expectFrom), the state-machine rule and the ownership/fencing check (the rule of
-- decideTransition in src/core/status.ts, read from SPEC), the status write, the history
-- entry, the optional outcome, the retry count and every index update.
-- ARGV[1] orchestrator key prefix; ARGV[3] a call id (see "replay" below); ARGV[2] JSON array of requests:
--   { id, to, r = runnerId?, t = token?, e = expectFrom?, x = expectToken?, n = note?, k = outcome kind?, v = outcome value?, c = 1 to count a retry, th = andThen? }
-- Returns JSON: a row that cannot be decoded aborts the whole batch before any write:
--   { corrupt = { id, status, token } }, else { results = [ { 1, from, to, token, owner, retries, attempts, woken? } | { 0, reason, current } ] }
-- Running concurrency (fields rs, rl, rr of inv:<id>; sets in lib's track_concurrency): a
-- claim (-> PENDING) when the scope's slot holders reach its limit is diverted to
-- CONCURRENCY_CONTROLLED (rr = 1) or CONCURRENCY_CONTROLLED_FINAL; a transition that frees a
-- slot moves the scope's oldest waiter to REROUTED and names it in `woken`.
-- attempts: executions started (transitions to RUNNING), counted here.
-- Replay: ioredis re-sends a command whose reply was lost with its connection. The reply of
-- each call is kept for a minute under its call id, so a re-sent call returns the same answer
-- instead of running again (a claim re-run would refuse the caller its own PENDING).
-- @include transitions
local P = ARGV[1]
local replay_key = P .. 'reply:' .. ARGV[3]
local replayed = redis.call('GET', replay_key)
if replayed then return replayed end
local applied = apply_transitions(P, cjson.decode(ARGV[2]))
local reply = applied.corrupt and cjson.encode(applied) or '{"results":' .. results_json(applied.results) .. '}'
redis.call('SET', replay_key, reply, 'PX', 60000)
return reply
