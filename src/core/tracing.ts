import { type Attributes, context, SpanStatusCode, trace } from "@opentelemetry/api";

const TRACER = "nenc";

/**
 * Run `fn` inside an OpenTelemetry span named `name`. Without an SDK registered (the default)
 * `@opentelemetry/api` hands out non-recording spans and `fn` runs directly: no context switch,
 * no extra frames in task stack traces. Spans carry `nenc.*` attributes (invocation, task,
 * parent invocation, workflow) so a parent invocation's spans link to its children's;
 * in-process nesting follows the active context.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const span = trace.getTracer(TRACER).startSpan(name, { attributes });
  if (!span.isRecording()) {
    span.end();
    return fn();
  }
  return context.with(trace.setSpan(context.active(), span), async () => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
