// Worker-thread entry: registers the project's TypeScript hooks in this thread, then serves step tasks from the pool.
// The packages every step loads are imported first, outside the hooks (see runtime/preload.mjs).
import { isBundled, preloadPackages } from "../runtime/preload.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

await preloadPackages();
// The installed package's bundles need no hooks, so they are imported before them: Node's own loader is faster.
const bundled = isBundled ? await import("./step-worker-loop.js") : undefined;
registerTypeScript();
const { serveStepTasks } = bundled ?? (await import("./step-worker-loop.js"));
serveStepTasks();
