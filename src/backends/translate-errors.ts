/**
 * A component whose methods pass what they throw (synchronously or as a rejected promise)
 * through `translate`: an engine turns its driver's environment errors (disk full, read-only
 * file, lock timeout) into typed errors at its boundary, in one place, without a try/catch in
 * every method. Methods are called on the component itself, so its own calls to its methods
 * are not translated twice.
 */
export function translatingErrors<T extends object>(component: T, translate: (err: unknown) => unknown): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(component, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function" || key === "constructor") return value;
      let fn = wrapped.get(key);
      if (!fn) {
        fn = (...args: unknown[]) => {
          try {
            const out: unknown = value.apply(target, args);
            return out instanceof Promise ? out.catch((err: unknown) => Promise.reject(translate(err))) : out;
          } catch (err) {
            throw translate(err);
          }
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}
