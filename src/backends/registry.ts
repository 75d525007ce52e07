import type { BackendName, NencConfig } from "../config/schema.js";
import type {
  Broker,
  Components,
  Orchestrator,
  StateBackend,
  TransitionRequest,
  TransitionResult,
} from "../core/contract/index.js";
import { routeWoken } from "../core/routing.js";
import { ConfigError, isMissingPackage, MissingDependencyError } from "../errors/index.js";
import type { EngineModule } from "./engine.js";

/**
 * Component classes by name. Each engine folder exports an `engine` from its index.ts; it is
 * imported only when a config names one of its classes, so heavy drivers (ioredis, pg) load
 * only for the apps that use them.
 */
const ENGINES: Record<BackendName, { prefix: string; load: () => Promise<EngineModule> }> = {
  memory: { prefix: "Mem", load: async () => (await import("./memory/index.js")).engine },
  sqlite: { prefix: "SQLite", load: withDriver("better-sqlite3", "SQLite", () => import("./sqlite/index.js")) },
  redis: { prefix: "Redis", load: withDriver("ioredis", "Redis", () => import("./redis/index.js")) },
  postgres: { prefix: "Postgres", load: withDriver("pg", "PostgreSQL", () => import("./postgres/index.js")) },
};

/**
 * Database drivers are optional peer dependencies, loaded when a config chooses their engine:
 * a missing one is a MissingDependencyError naming the package to install.
 */
function withDriver(
  driver: string,
  engineName: string,
  load: () => Promise<{ engine: EngineModule }>,
): () => Promise<EngineModule> {
  return async () => {
    try {
      return (await load()).engine;
    } catch (err) {
      if (isMissingPackage(err, driver)) {
        throw new MissingDependencyError(driver, `The ${engineName} backend`, { cause: err });
      }
      throw err;
    }
  };
}

type Role = "Orchestrator" | "Broker" | "StateBackend";
const ROLE_KEY: Record<Role, "orchestratorCls" | "brokerCls" | "stateBackendCls"> = {
  Orchestrator: "orchestratorCls",
  Broker: "brokerCls",
  StateBackend: "stateBackendCls",
};

export interface ComponentNames {
  orchestrator: string;
  broker: string;
  stateBackend: string;
}

/** The class names in effect: explicit *Cls keys, else the `backend` shorthand. */
export function componentNames(config: NencConfig): ComponentNames {
  const prefix = ENGINES[config.backend].prefix;
  return {
    orchestrator: config.orchestratorCls || `${prefix}Orchestrator`,
    broker: config.brokerCls || `${prefix}Broker`,
    stateBackend: config.stateBackendCls || `${prefix}StateBackend`,
  };
}

function engineFor(name: string, role: Role): { load: () => Promise<EngineModule> } {
  for (const e of Object.values(ENGINES)) if (name === `${e.prefix}${role}`) return e;
  const known = Object.values(ENGINES).map((e) => `${e.prefix}${role}`);
  throw new ConfigError(
    `Config key "${ROLE_KEY[role]}" names "${name}", which is not a known class. Known: ${known.join(", ")}.`,
    ROLE_KEY[role],
    "resolved config",
  );
}

/** Check the class names before anything connects (fails fast on a typo). */
export function validateComponentNames(config: NencConfig): void {
  const n = componentNames(config);
  engineFor(n.orchestrator, "Orchestrator");
  engineFor(n.broker, "Broker");
  engineFor(n.stateBackend, "StateBackend");
}

export async function createOrchestrator(config: NencConfig): Promise<Orchestrator> {
  const engine = await engineFor(componentNames(config).orchestrator, "Orchestrator").load();
  const o = await engine.createOrchestrator(config);
  await o.init();
  return o;
}

export async function createComponents(config: NencConfig): Promise<Components> {
  const n = componentNames(config);
  const [oe, be, se] = await Promise.all([
    engineFor(n.orchestrator, "Orchestrator").load(),
    engineFor(n.broker, "Broker").load(),
    engineFor(n.stateBackend, "StateBackend").load(),
  ]);
  const [orchestrator, broker, stateBackend]: [Orchestrator, Broker, StateBackend] = await Promise.all([
    oe.createOrchestrator(config),
    be.createBroker(config),
    se.createStateBackend(config),
  ]);
  await Promise.all([orchestrator.init(), broker.init(), stateBackend.init()]);
  const sameEngine = oe === be && be === se;
  const registrar = sameEngine ? oe.registrar?.({ orchestrator, broker, stateBackend }) : undefined;
  const claimer = sameEngine ? oe.claimer?.({ orchestrator, broker, stateBackend }) : undefined;
  return {
    orchestrator: routingWokenWaiters(orchestrator, { broker, stateBackend }),
    broker,
    stateBackend,
    ...(registrar ? { registrar } : {}),
    ...(claimer ? { claimer } : {}),
  };
}

/**
 * The orchestrator, with its transitions' woken concurrency waiters (moved to REROUTED in the
 * same atomic step as the slot they got) routed to the broker right after. Orchestrator and
 * broker may be different engines, so the routing cannot share their transaction; a routing
 * lost to a crash is redone by recovery's pass over REROUTED work that is not queued.
 */
function routingWokenWaiters(
  orchestrator: Orchestrator,
  routing: { broker: Broker; stateBackend: StateBackend },
): Orchestrator {
  const transition = orchestrator.transition.bind(orchestrator);
  return new Proxy(orchestrator, {
    get(target, prop, receiver) {
      if (prop !== "transition") {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (requests: readonly TransitionRequest[]): Promise<TransitionResult[]> => {
        const results = await transition(requests);
        await routeWoken(routing, results);
        return results;
      };
    },
  });
}

export async function closeComponents(c: Components): Promise<void> {
  await Promise.allSettled([c.orchestrator.close(), c.broker.close(), c.stateBackend.close()]);
}
