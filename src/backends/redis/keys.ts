/**
 * Key layout. Every key of an app starts with `nenc:{<appId>}:` (the braces are a Redis
 * Cluster hash tag: all of an app's keys live in one slot, so its scripts may touch any of
 * them). Each component has its own sub-prefix, so each purges only its own keys:
 *
 * Orchestrator, `o:`
 *   inv:<id>          hash  task, status, owner ("" = none), token, retries, updated, hlen,
 *                           attempts, concurrency fields (rs, rl, rr, gs); once it has an
 *                           outcome, kind and value (result or JSON error; rows written by
 *                           earlier versions have them in an out:<id> hash, still read)
 *   hist:<id>         list  JSON history entries, seq order
 *   hist-at           zset  score at, member "<seq>#<id>,<seq>#<id>,..." (seq as 10 digits):
 *                           the entries one script wrote with that time (historyBetween)
 *   by-status:<S>     zset  score updated, member id
 *   by-task:<task>    zset  score updated, member id
 *   by-owner:<runner> set   ids the runner owns
 *   counts            hash  "<task>\t<status>" -> count
 *   runner:<id>       hash  runner context, hb (last heartbeat), stopping (drain deadline), stopped
 *   runners           zset  score startedAt
 *   alive             zset  score last heartbeat (server time), runners not stopped
 *   lease:<name>      string holder, with a server-side expiry (PX)
 *   changed           channel: a line per invocation after each register/transition:
 *                     "<id>\t<status>", or "<id>\t<status>\t<kind>\t<value>" when it became final
 *                     with an outcome of at most 4 KiB (change-message.ts; waiting callers
 *                     settle without a read, and are not woken by non-final statuses)
 * Broker, `b:`
 *   ready:<queue>     zset  score -priority * 1e10 + seq (highest priority, then oldest)
 *   delayed           zset  score availableAt (server time), every queue
 *   queued            hash  id -> ready score (every queued id, ready or delayed)
 *   qof               hash  id -> its queue (every queued id)
 *   queues            set   every queue name routed to
 *   seq               counter
 *   work              channel: a message after each route
 * State backend, `s:`
 *   inv:<id>          string JSON InvocationData
 *   created, roots, by-parent:<id>, by-wf:<id>, by-task:<task>   zsets scored by createdAt
 *                     (by-wf:<id> only once the workflow has a member besides its root)
 *   logs:<id>         list  JSON log records of an invocation
 *   logs-unattached   list  log records with no invocation (capped)
 *   val:<hash>        string a large value ("sha256:<hex>")
 *   val-refs:<hash>   set   invocations referencing it (the value goes with the last one)
 *   refs:<id>         set   hashes an invocation references
 */
export interface AppKeys {
  /** Prefix of every key of the app. */
  app: string;
  orchestrator: string;
  broker: string;
  state: string;
  changeChannel: string;
  workChannel: string;
}

export function appKeys(appId: string): AppKeys {
  const app = `nenc:{${appId}}:`;
  return {
    app,
    orchestrator: `${app}o:`,
    broker: `${app}b:`,
    state: `${app}s:`,
    changeChannel: `${app}o:changed`,
    workChannel: `${app}b:work`,
  };
}
