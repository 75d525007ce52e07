import { EventEmitter } from "node:events";
import pg from "pg";
import type { Logger } from "../../core/logger.js";

/**
 * One dedicated connection (outside the pool) that LISTENs on the app's channels and wakes
 * waiters. It needs a session-mode connection: a transaction-mode pooler would drop the LISTEN.
 * When the connection is lost it reconnects with backoff, LISTENs again and wakes every waiter
 * (notifications sent while it was down are gone; waiters re-read the database). Until it is
 * back, waiters fall back to their timeouts.
 */
export class NotificationListener {
  private readonly events = new EventEmitter();
  private client: pg.Client | null = null;
  private ready: Promise<void> | null = null;
  private closed = false;
  private lostAt: number | null = null;
  /** Channels LISTENed since their first subscriber (payload-carrying; never UNLISTENed). */
  private readonly extra = new Set<string>();
  /** Notifications heard per channel, and the connections made so far (see mark). */
  private readonly heard = new Map<string, number>();
  private connections = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channels: readonly string[],
    private readonly where: string,
    private readonly log: Logger,
  ) {
    this.events.setMaxListeners(0);
  }

  /** Start listening (once); resolves when LISTEN is active or after `capMs`, whichever is first. */
  async start(capMs: number): Promise<void> {
    this.ready ??= this.connectLoop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise<void>((r) => (timer = setTimeout(r, capMs)))]);
    clearTimeout(timer);
  }

  /**
   * A token of the notifications heard on `channel` so far, or null while the connection is not
   * LISTENing. Equal tokens: none came between them and the connection held (one made since,
   * which may have missed some, changes the token).
   */
  mark(channel: string): string | null {
    if (!this.client) return null;
    return `${this.connections}:${this.heard.get(channel) ?? 0}`;
  }

  /**
   * Resolve on the next notification on `channel` whose payload `accept` takes (a reconnect's
   * wake-up, which has none, always counts), or after `timeoutMs`.
   */
  wait(channel: string, timeoutMs: number, accept?: (payload: string) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off(channel, heard);
        resolve();
      };
      const heard = (payload?: string) => {
        if (payload === undefined || !accept || accept(payload)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.on(channel, heard);
    });
  }

  /**
   * Call `fn` with the payload of every notification on `channel` from now on. The channel is
   * LISTENed from the first subscription for the connection's life (a subscriber that comes and
   * goes with each wait would otherwise LISTEN and UNLISTEN each time); notifications sent
   * before that LISTEN is active are not heard, so subscribers must not rely on them alone.
   */
  subscribe(channel: string, fn: (payload: string) => void): () => void {
    const heard = (payload?: string) => {
      if (payload !== undefined) fn(payload);
    };
    this.events.on(channel, heard);
    if (!this.channels.includes(channel) && !this.extra.has(channel)) {
      this.extra.add(channel);
      if (this.client) this.listenOn(this.client, channel);
    }
    this.ready ??= this.connectLoop();
    return () => this.events.off(channel, heard);
  }

  private listenOn(client: pg.Client, channel: string): void {
    client.query(`LISTEN "${channel}"`).catch(() => {
      // the connection is lost: connectLoop LISTENs again
    });
  }

  private wakeAll(): void {
    for (const ch of this.channels) this.events.emit(ch);
  }

  private async connectLoop(): Promise<void> {
    let delay = 100;
    while (!this.closed) {
      const client = new pg.Client(this.config);
      client.on("error", (err) => this.lost(client, err));
      client.on("end", () => this.lost(client, new Error("connection ended")));
      client.on("notification", (n) => {
        this.heard.set(n.channel, (this.heard.get(n.channel) ?? 0) + 1);
        this.events.emit(n.channel, n.payload);
      });
      try {
        await client.connect();
        const listened = [...this.channels, ...this.extra];
        for (const ch of listened) await client.query(`LISTEN "${ch}"`);
        if (this.closed) {
          await client.end().catch(() => {});
          return;
        }
        this.client = client;
        this.connections++;
        // Subscribed while this connection was being set up.
        for (const ch of this.extra) if (!listened.includes(ch)) this.listenOn(client, ch);
        if (this.lostAt !== null) {
          this.log.info(
            { component: "postgres", downMs: Date.now() - this.lostAt },
            `LISTEN connection to ${this.where} restored`,
          );
          this.lostAt = null;
        }
        this.wakeAll();
        return;
      } catch (err) {
        client.removeAllListeners("end");
        await client.end().catch(() => {});
        if (this.closed) return;
        this.lostAt ??= Date.now();
        this.log.warn(
          { component: "postgres", err: (err as Error).message },
          `LISTEN connection to ${this.where} failed; retrying in ${delay} ms`,
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.lostAt = Date.now();
    this.log.warn(
      { component: "postgres", err: err.message },
      `LISTEN connection to ${this.where} lost; reconnecting with backoff`,
    );
    client.removeAllListeners("end");
    void client.end().catch(() => {});
    this.wakeAll();
    this.ready = this.connectLoop();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.wakeAll();
    if (c) {
      c.removeAllListeners("end");
      await c.end().catch(() => {});
    }
  }
}
