import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { runBackendConformance } from "./backend.case.js";

runBackendConformance({
  name: "memory",
  create: (appId) => createComponents({ ...defaultConfig(), appId, backend: "memory" }),
  skip: [],
});
