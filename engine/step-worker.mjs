// Worker-thread entry: registers the project's TypeScript hooks in this thread, then serves step tasks from the pool.
// The packages every step loads are imported first, outside the hooks (see bin/preload.mjs).
import { register } from "node:module";
import { preloadPackages } from "../bin/preload.mjs";

await preloadPackages();
register("../bin/ts-hooks.mjs", import.meta.url);
process.setSourceMapsEnabled(true);
const { serveStepTasks } = await import("./step-worker-loop.ts");
serveStepTasks();
