// Worker-thread entry: registers the project's TypeScript hooks in this thread, then serves step tasks from the pool.
// The packages every step loads are imported first, outside the hooks (see runtime/preload.mjs).
import { preloadPackages } from "../runtime/preload.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

await preloadPackages();
registerTypeScript();
const { serveStepTasks } = await import("./step-worker-loop.js");
serveStepTasks();
