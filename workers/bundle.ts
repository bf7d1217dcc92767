import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorkflowCode } from "@temporalio/worker";
import type { Logger } from "@temporalio/common";
import { computeCodeDigest } from "../engine/code-digest.js";
import { strataCacheDir } from "./temporal-binary.js";

/**
 * The workflow code a worker bundles, as a root folder and a module inside it: the TypeScript module in the Strata
 * checkout these workers belong to, or, in the installed package (whose modules are bundles that Temporal's sandbox
 * refuses), the plain JavaScript copy of it that the package build writes to dist/workflow-sources/.
 */
const checkout = fileURLToPath(new URL("..", import.meta.url));
const fromCheckout = fs.existsSync(path.join(checkout, "workers/workflows.ts"));
export const STRATA_ROOT = fromCheckout ? checkout : path.join(checkout, "workflow-sources");
export const WORKFLOWS_MODULE = fromCheckout ? "workers/workflows.ts" : "workflows.js";

const quiet: Logger = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Bundles the workflow code ahead of time with bundleWorkflowCode and keeps the bundle in
 * `${STRATA_CACHE:-~/.cache/strata}/workflow-bundles/<code digest>.js`. The digest covers the workflow module's
 * import closure and the SDK version (the engine's code digest), so a worker starts from the cached bundle in
 * milliseconds and any change to workflow code makes a new one. Returns the bundle's path.
 */
export const workflowBundlePath = async (options: { readonly cacheDir?: string } = {}): Promise<string> => {
  const code = await computeCodeDigest(STRATA_ROOT, WORKFLOWS_MODULE);
  const dir = path.join(options.cacheDir ?? strataCacheDir(), "workflow-bundles");
  const file = path.join(dir, `${code.digest}.js`);
  if (fs.existsSync(file)) return file;
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(STRATA_ROOT, WORKFLOWS_MODULE), logger: quiet });
  fs.mkdirSync(dir, { recursive: true });
  // Write then rename: two workers bundling at once never see half a file.
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, bundle.code);
  fs.renameSync(temp, file);
  return file;
};
