import { type Logger as PinoLogger, pino } from "pino";
import { currentExecution, currentRunnerId } from "./context.js";
import type { LogRecord } from "./contract/index.js";
import { shortId } from "./ids.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFormat = "text" | "json";

/** The subset of pino's logger nenc exposes; structured fields go in the first argument. */
export interface Logger {
  trace(msg: string): void;
  trace(fields: object, msg?: string): void;
  debug(msg: string): void;
  debug(fields: object, msg?: string): void;
  info(msg: string): void;
  info(fields: object, msg?: string): void;
  warn(msg: string): void;
  warn(fields: object, msg?: string): void;
  error(msg: string): void;
  error(fields: object, msg?: string): void;
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** Receives the log lines written inside an invocation (the monitor shows them per invocation). */
export type LogCapture = (record: LogRecord) => void;

/** pino destination: prints text or JSON, and hands invocation lines to the capture. */
const LEVEL_VALUES: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * pino destination: prints lines at or above the configured level, as text or JSON, and hands
 * invocation lines (info and above, whatever is printed) to the capture for the monitor.
 */
class Destination {
  capture: LogCapture | null = null;
  printFrom = LEVEL_VALUES.info;
  constructor(public format: LogFormat) {}

  write(line: string): void {
    const rec = JSON.parse(line) as Record<string, unknown>;
    const level = Number(rec.level);
    if (this.capture && typeof rec.invocationId === "string" && level >= LEVEL_VALUES.info) {
      this.capture({
        invocationId: rec.invocationId,
        runnerId: typeof rec.runnerId === "string" ? rec.runnerId : null,
        taskId: typeof rec.taskId === "string" ? rec.taskId : null,
        level: (LEVEL_NAMES[Number(rec.level)] ?? "INFO").toLowerCase(),
        message: String(rec.msg ?? ""),
        at: Number(rec.time),
      });
    }
    if (level >= this.printFrom) process.stdout.write(this.format === "json" ? line : formatText(rec));
  }
}

const BASE_KEYS = new Set([
  "level",
  "time",
  "pid",
  "hostname",
  "msg",
  "component",
  "taskId",
  "invocationId",
  "runnerId",
]);

function formatText(rec: Record<string, unknown>): string {
  const time = new Date(Number(rec.time)).toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[Number(rec.level)] ?? "INFO").padEnd(5);
  const where = [rec.component, rec.taskId, rec.invocationId ? shortId(String(rec.invocationId)) : undefined]
    .filter(Boolean)
    .join(" ");
  const msg = String(rec.msg ?? "");
  const extra = Object.entries(rec)
    .filter(([k, v]) => !BASE_KEYS.has(k) && !(typeof v === "string" && msg.includes(v)))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${level} ${where ? `[${where}] ` : ""}${msg}${extra ? ` ${extra}` : ""}\n`;
}

/**
 * The app's root logger. Every line carries the current invocation id, task id and runner id
 * (from async context) without the caller passing them.
 */
export class LogRoot {
  private readonly destination: Destination;
  private pinoLogger: PinoLogger;

  constructor(level: LogLevel = "info", format: LogFormat = "text") {
    this.destination = new Destination(format);
    this.pinoLogger = this.build(level);
  }

  private build(level: LogLevel): PinoLogger {
    this.destination.printFrom = LEVEL_VALUES[level];
    // pino produces info lines even when fewer are printed, so the capture keeps them.
    const produce = LEVEL_VALUES[level] < LEVEL_VALUES.info ? level : "info";
    return pino(
      {
        level: produce,
        base: undefined,
        mixin: () => {
          const exec = currentExecution();
          if (exec) return { taskId: exec.taskId, invocationId: exec.invocationId, runnerId: exec.runnerId };
          const runnerId = currentRunnerId();
          return runnerId ? { runnerId } : {};
        },
      },
      this.destination,
    );
  }

  configure(level: LogLevel, format: LogFormat): void {
    this.destination.format = format;
    this.pinoLogger = this.build(level);
  }

  setCapture(capture: LogCapture | null): void {
    this.destination.capture = capture;
  }

  get pino(): PinoLogger {
    return this.pinoLogger;
  }

  /** A logger with fixed fields that follows later `configure` calls. */
  child(fields: Record<string, string>): Logger {
    const call =
      (level: "trace" | "debug" | "info" | "warn" | "error") =>
      (a: string | object, msg?: string): void => {
        const target = this.pinoLogger;
        if (typeof a === "string") target[level]({ ...fields }, a);
        else target[level]({ ...fields, ...a }, msg);
      };
    return { trace: call("trace"), debug: call("debug"), info: call("info"), warn: call("warn"), error: call("error") };
  }
}
