import { sqlitePath } from "../config/resolve.js";
import type { BackendName, NencConfig } from "../config/schema.js";
import { ConfigError } from "../errors/index.js";
import type { Broker, Components, Orchestrator, StateBackend } from "./contract.js";

/**
 * Component classes by name. Each engine contributes factories; engines with heavy drivers
 * (Redis, PostgreSQL) are imported only when a config names them.
 */
type Factory<T> = (config: NencConfig) => Promise<T>;

interface ComponentFactories {
  orchestrators: Record<string, Factory<Orchestrator>>;
  brokers: Record<string, Factory<Broker>>;
  stateBackends: Record<string, Factory<StateBackend>>;
}

const memory = async () => {
  const [{ memoryStore }, o, b, s] = await Promise.all([
    import("./memory/store.js"),
    import("./memory/orchestrator.js"),
    import("./memory/broker.js"),
    import("./memory/state-backend.js"),
  ]);
  return { memoryStore, o, b, s };
};

const sqlite = async (config: NencConfig) => {
  const [{ SqliteDatabase, tablePrefix }, o, b, s] = await Promise.all([
    import("./sqlite/database.js"),
    import("./sqlite/orchestrator.js"),
    import("./sqlite/broker.js"),
    import("./sqlite/state-backend.js"),
  ]);
  return { handle: () => SqliteDatabase.acquire(sqlitePath(config)), prefix: tablePrefix(config.appId), o, b, s };
};

export const FACTORIES: ComponentFactories = {
  orchestrators: {
    MemOrchestrator: async (c) => {
      const m = await memory();
      return new m.o.MemOrchestrator(m.memoryStore(c.appId));
    },
    SQLiteOrchestrator: async (c) => {
      const m = await sqlite(c);
      return new m.o.SQLiteOrchestrator(m.handle(), m.prefix);
    },
  },
  brokers: {
    MemBroker: async (c) => {
      const m = await memory();
      return new m.b.MemBroker(m.memoryStore(c.appId));
    },
    SQLiteBroker: async (c) => {
      const m = await sqlite(c);
      return new m.b.SQLiteBroker(m.handle(), m.prefix);
    },
  },
  stateBackends: {
    MemStateBackend: async (c) => {
      const m = await memory();
      return new m.s.MemStateBackend(m.memoryStore(c.appId));
    },
    SQLiteStateBackend: async (c) => {
      const m = await sqlite(c);
      return new m.s.SQLiteStateBackend(m.handle(), m.prefix);
    },
  },
};

const SHORTHAND: Record<BackendName, [string, string, string]> = {
  memory: ["MemOrchestrator", "MemBroker", "MemStateBackend"],
  sqlite: ["SQLiteOrchestrator", "SQLiteBroker", "SQLiteStateBackend"],
  redis: ["RedisOrchestrator", "RedisBroker", "RedisStateBackend"],
  postgres: ["PostgresOrchestrator", "PostgresBroker", "PostgresStateBackend"],
};

export interface ComponentNames {
  orchestrator: string;
  broker: string;
  stateBackend: string;
}

export function componentNames(config: NencConfig): ComponentNames {
  const [o, b, s] = SHORTHAND[config.backend];
  return {
    orchestrator: config.orchestratorCls || o,
    broker: config.brokerCls || b,
    stateBackend: config.stateBackendCls || s,
  };
}

function pick<T>(table: Record<string, Factory<T>>, name: string, key: string): Factory<T> {
  const f = table[name];
  if (!f) {
    throw new ConfigError(
      `Config key "${key}" names "${name}", which is not a known class. Known: ${Object.keys(table).join(", ")}.`,
      key,
      "resolved config",
    );
  }
  return f;
}

/** Check the class names before anything connects (fails fast on a typo). */
export function validateComponentNames(config: NencConfig): void {
  const names = componentNames(config);
  pick(FACTORIES.orchestrators, names.orchestrator, "orchestratorCls");
  pick(FACTORIES.brokers, names.broker, "brokerCls");
  pick(FACTORIES.stateBackends, names.stateBackend, "stateBackendCls");
}

export async function createOrchestrator(config: NencConfig): Promise<Orchestrator> {
  const o = await pick(FACTORIES.orchestrators, componentNames(config).orchestrator, "orchestratorCls")(config);
  await o.init();
  return o;
}

export async function createComponents(config: NencConfig): Promise<Components> {
  const names = componentNames(config);
  const [orchestrator, broker, stateBackend] = await Promise.all([
    pick(FACTORIES.orchestrators, names.orchestrator, "orchestratorCls")(config),
    pick(FACTORIES.brokers, names.broker, "brokerCls")(config),
    pick(FACTORIES.stateBackends, names.stateBackend, "stateBackendCls")(config),
  ]);
  await Promise.all([orchestrator.init(), broker.init(), stateBackend.init()]);
  return { orchestrator, broker, stateBackend };
}

export async function closeComponents(c: Components): Promise<void> {
  await Promise.allSettled([c.orchestrator.close(), c.broker.close(), c.stateBackend.close()]);
}
