// Entry of every child process nenc's process runners fork: registers the TypeScript loader,
// then runs the child (which loads the app module given by --app).
import { register } from "tsx/esm/api";

register();
await import(new URL("./child-process.ts", import.meta.url).href);
