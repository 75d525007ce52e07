/**
 * The URL of a module next to `base` (given without extension): `.ts` while nenc runs from its
 * sources (development, tests), `.js` once compiled to dist/.
 */
export function siblingModule(relativePath: string, base: string): string {
  return new URL(`${relativePath}${base.endsWith(".ts") ? ".ts" : ".js"}`, base).href;
}
