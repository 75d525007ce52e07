import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { NencConfig } from "../../config/schema.js";
import { sleepOr } from "../../core/sleep.js";
import { BackendError, coerceError, redactUrl } from "../../errors/index.js";
import { type AppKeys, appKeys } from "./keys.js";

export interface RedisSettings {
  url: string;
  connectTimeoutMs: number;
  maxRetriesPerRequest: number;
  retryMaxDelayMs: number;
}

export function redisSettings(config: NencConfig): RedisSettings {
  return {
    url: config.redisUrl,
    connectTimeoutMs: config.redisConnectTimeoutMs,
    maxRetriesPerRequest: config.redisMaxRetriesPerRequest,
    retryMaxDelayMs: config.redisRetryMaxDelayMs,
  };
}

/** Exponential backoff with full jitter, capped; never gives up (ioredis stops on a non-number). */
export function reconnectDelay(attempt: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, 50 * 2 ** Math.min(attempt, 16));
  return Math.max(10, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new BackendError(
      `redisUrl "${redactUrl(url)}" is not a URL; expected redis://[user:password@]host:port[/db] (set redisUrl or NENC__REDIS_URL).`,
      { cause: err },
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new BackendError(
      `redisUrl "${redactUrl(url)}" has the scheme "${parsed.protocol}"; expected redis:// or rediss:// (set redisUrl or NENC__REDIS_URL).`,
    );
  }
}

/**
 * The Redis clients of one app in one process, shared by its three components and
 * reference-counted: `cmd` for every command and script, `sub` for pub/sub wake-ups only.
 * Both reconnect forever with capped, jittered backoff; a command issued during an outage
 * waits through `maxRetriesPerRequest` reconnect attempts, then fails (callers retry).
 * Wake-up messages arrive on `events`, one event per channel, once something listens to it.
 */
export class RedisConnection {
  readonly cmd: Redis;
  readonly sub: Redis;
  readonly keys: AppKeys;
  readonly events = new EventEmitter();
  private refs = 0;
  private readyPromise: Promise<void> | null = null;
  private readonly subscriptions = new Map<string, { confirmed: boolean; ready: Promise<void> }>();
  /** Messages received per channel, and the subscriber's connections so far (see mark). */
  private readonly received = new Map<string, number>();
  private subConnections = 0;
  private lastError: Error | null = null;

  private static readonly open = new Map<string, RedisConnection>();

  private constructor(
    private readonly id: string,
    readonly settings: RedisSettings,
    appId: string,
  ) {
    checkUrl(settings.url);
    this.keys = appKeys(appId);
    const common = {
      lazyConnect: true,
      connectTimeout: settings.connectTimeoutMs,
      retryStrategy: (times: number) => reconnectDelay(times, settings.retryMaxDelayMs),
      enableOfflineQueue: true,
      connectionName: `nenc:${appId}`,
    };
    this.cmd = new Redis(settings.url, { ...common, maxRetriesPerRequest: settings.maxRetriesPerRequest });
    this.sub = new Redis(settings.url, { ...common, maxRetriesPerRequest: null });
    // ioredis reports every failed reconnect as an "error" event; keep the last one for messages.
    const onError = (err: Error) => {
      this.lastError = err;
    };
    this.cmd.on("error", onError);
    this.sub.on("error", onError);
    this.sub.on("message", (channel: string, message: string) => {
      this.received.set(channel, (this.received.get(channel) ?? 0) + 1);
      this.events.emit(channel, message);
    });
    this.sub.on("ready", () => {
      this.subConnections++;
    });
    this.events.setMaxListeners(0);
  }

  static acquire(config: NencConfig): RedisConnection {
    const settings = redisSettings(config);
    const id = JSON.stringify([settings, config.appId]);
    let conn = RedisConnection.open.get(id);
    if (!conn) {
      conn = new RedisConnection(id, settings, config.appId);
      RedisConnection.open.set(id, conn);
    }
    conn.refs++;
    return conn;
  }

  /** Connect both clients (channels are subscribed on first use); a clear BackendError if Redis does not answer. */
  ready(): Promise<void> {
    this.readyPromise ??= this.connect().catch((err: unknown) => {
      this.readyPromise = null;
      throw err;
    });
    return this.readyPromise;
  }

  private async connect(): Promise<void> {
    const where = redactUrl(this.settings.url);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.settings.connectTimeoutMs} ms`)),
        this.settings.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await Promise.all([connectOnce(this.cmd), connectOnce(this.sub)]);
          await this.cmd.ping();
        })(),
        deadline,
      ]);
    } catch (err) {
      const cause = this.lastError ?? coerceError(err);
      this.cmd.disconnect();
      this.sub.disconnect();
      RedisConnection.open.delete(this.id);
      throw new BackendError(
        `Cannot connect to Redis at ${where}: ${coerceError(err).message}${
          cause.message !== coerceError(err).message ? ` (${cause.message})` : ""
        }. Check redisUrl (NENC__REDIS_URL) and that the server is running.`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The channel subscribed on first use, not at connect: a process that never waits for work
   * (a caller) or for changes (a runner whose tasks wait for no result) is sent none of the
   * app's wake-up messages. Redis delivers every PUBLISH to every subscriber, so with all
   * processes subscribed to both channels each transition reached every caller process, which
   * parsed and dropped it. Resolves once the server has confirmed the subscription (ioredis
   * subscribes again by itself after a reconnect).
   */
  private subscription(channel: string): { confirmed: boolean; ready: Promise<void> } {
    const known = this.subscriptions.get(channel);
    if (known) return known;
    const entry = { confirmed: false, ready: Promise.resolve() };
    entry.ready = this.sub.subscribe(channel).then(
      () => {
        entry.confirmed = true;
      },
      (err: unknown) => {
        // Not subscribed (the connection was closed): the next listener tries again.
        if (this.subscriptions.get(channel) === entry) this.subscriptions.delete(channel);
        throw err;
      },
    );
    entry.ready.catch(() => {});
    this.subscriptions.set(channel, entry);
    return entry;
  }

  /**
   * The next message on `channel` that `accept` takes; `cancel` stops listening (the promise then
   * never settles). `subscribed` resolves once the server has confirmed the channel's
   * subscription (`confirmed`: it already had): a message published before that is not
   * delivered, so a caller that listens and then looks awaits it before looking.
   */
  listen(
    channel: string,
    accept: (message: string) => boolean = () => true,
  ): { woken: Promise<void>; cancel(): void; subscribed: Promise<void>; confirmed: boolean } {
    let cancel = () => {};
    const sub = this.subscription(channel);
    const woken = new Promise<void>((resolve) => {
      const onMessage = (message: string) => {
        if (!accept(message)) return;
        this.events.off(channel, onMessage);
        resolve();
      };
      this.events.on(channel, onMessage);
      cancel = () => this.events.off(channel, onMessage);
    });
    return { woken, cancel, subscribed: sub.ready, confirmed: sub.confirmed };
  }

  /**
   * A token of the messages received on `channel` so far, or null while its subscription is not
   * confirmed. Equal tokens: no message came between them and the subscription held (a
   * reconnect, which may have lost messages, changes the token).
   */
  mark(channel: string): string | null {
    if (this.subscriptions.get(channel)?.confirmed !== true) return null;
    return `${this.subConnections}:${this.received.get(channel) ?? 0}`;
  }

  /**
   * Whether the subscription to `channel` has held since `mark` (mark()) was taken: connected
   * now, on the same connection, so no message published since was lost.
   */
  heldSince(channel: string, mark: string): boolean {
    const now = this.mark(channel);
    return now !== null && this.sub.status === "ready" && now.split(":")[0] === mark.split(":")[0];
  }

  /** Call `fn` with every message on `channel` until the returned function is called. */
  subscribe(channel: string, fn: (message: string) => void): () => void {
    this.subscription(channel);
    this.events.on(channel, fn);
    return () => this.events.off(channel, fn);
  }

  /**
   * Resolve on the next message on `channel` that `accept` takes, or after `timeoutMs`. Also when
   * the channel's first subscription is confirmed: a message published before it was not
   * delivered, and the caller, which looks at the state after every wake-up, looks again.
   */
  async waitFor(channel: string, timeoutMs: number, accept?: (message: string) => boolean): Promise<void> {
    const { woken, cancel, subscribed, confirmed } = this.listen(channel, accept);
    const wake = confirmed ? woken : Promise.race([woken, subscribed.catch(() => {})]);
    await sleepOr(wake, timeoutMs).finally(cancel);
  }

  async release(): Promise<void> {
    if (--this.refs > 0) return;
    RedisConnection.open.delete(this.id);
    this.events.removeAllListeners();
    await Promise.all([quitSoon(this.cmd), quitSoon(this.sub)]);
  }
}

async function connectOnce(client: Redis): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "wait") {
    await client.connect();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("end", () => reject(new Error("connection closed")));
  });
}

/** QUIT, but never wait on a dead server for more than a second. */
async function quitSoon(client: Redis): Promise<void> {
  if (client.status === "end" || client.status === "wait") {
    client.disconnect();
    return;
  }
  await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  client.disconnect();
}
