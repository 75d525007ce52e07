/**
 * A named event with a typed payload, made by `app.event<P>(name)`. `emit(payload)` records the
 * event durably (an invocation of the app's event task) and resolves with its id; a runner then
 * evaluates it, starting each matching trigger's task exactly once.
 */
export class NencEvent<P> {
  /** @internal made by app.event() */
  constructor(
    readonly name: string,
    private readonly emitter: (name: string, payload: unknown) => Promise<string>,
    /** @internal the app it belongs to */
    readonly owner: object,
  ) {}

  /**
   * Record the event; resolves with its id once it is durable. Arguments of the matching
   * triggers are computed and checked here first: one that does not serialize is a
   * TriggerDefinitionError naming the trigger, and nothing is recorded.
   */
  emit(payload: P): Promise<string> {
    return this.emitter(this.name, payload);
  }
}
