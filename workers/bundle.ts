import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorkflowCode } from "@temporalio/worker";
import type { Logger } from "@temporalio/common";
import { computeCodeDigest } from "../engine/code-digest.js";
import { strataCacheDir } from "./temporal-binary.js";

/** The Strata checkout these workers belong to, and the workflow entry inside it. */
export const STRATA_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WORKFLOWS_MODULE = "workers/workflows.ts";

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
