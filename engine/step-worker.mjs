// Worker-thread entry: registers the project's TypeScript hooks in this thread, then serves step tasks from the pool.
import { register } from "node:module";

register("../bin/ts-hooks.mjs", import.meta.url);
process.setSourceMapsEnabled(true);
const { serveStepTasks } = await import("./step-worker-loop.ts");
serveStepTasks();
