// Worker-thread entry: registers the TypeScript loader in this thread, then serves step tasks from the pool.
import { register } from "tsx/esm/api";

register();
const { serveStepTasks } = await import("./step-worker-loop.ts");
serveStepTasks();
