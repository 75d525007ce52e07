import { v7 as uuidv7 } from "uuid";

/**
 * Invocation ids are UUIDv7: time-ordered, so invocations registered together sit together in
 * every index (a claim or completion batch touches few B-tree pages).
 */
export function newInvocationId(): string {
  return uuidv7();
}

/**
 * A short form for display. A UUIDv7 starts with its timestamp (ids of the same minute share
 * their first 8 characters), so the short form is the random tail.
 */
export function shortId(id: string | null | undefined): string {
  if (!id) return "—";
  return id.length > 12 ? id.slice(-8) : id;
}
