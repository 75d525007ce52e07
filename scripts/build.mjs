#!/usr/bin/env node
// Build the package: compile src/ to dist/ (ESM JavaScript, .d.ts declarations, source maps
// with their sources inlined) with tsc, then copy the files the code loads at run time (SQL
// migrations, Lua scripts, worker entry points, the monitor's client assets) to the same
// relative paths, so they are found next to the compiled modules.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
const RUNTIME_ASSETS = /\.(sql|lua|mjs|js|css)$/;

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], {
  stdio: ["ignore", 2, 2],
});

let copied = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (RUNTIME_ASSETS.test(name)) {
      cpSync(path, join(dist, relative(src, path)));
      copied++;
    }
  }
};
walk(src);
console.error(`built dist/ (${copied} runtime assets copied)`);
