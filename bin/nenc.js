#!/usr/bin/env node
// The nenc command. nenc runs its TypeScript sources (and your .ts app modules) through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
