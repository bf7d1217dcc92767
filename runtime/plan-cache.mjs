// Plans of pipeline files, kept so a warm command needs no loader thread: a pipeline file whose closure can build
// nothing but its plan (runtime/strata-imports.mjs, `isPlanOnly`: it imports only installed Strata modules and
// project files, and reads nothing ambient) builds the same plan from the same bytes, so its plan is stored under
// the digest of those bytes and read back instead of importing the file again. The digest covers the pipeline's
// path, every file of its closure, the Strata modules they resolve to, Node's version (the entry is v8-serialized,
// the format a worker's message uses) and the installed Strata package's content digest (its DSL and step builders
// build the plan), so an edit to any of them is a miss. Only the installed package uses it (its modules resolve to
// one package whose content is digested); a checkout runs its pipelines' code every time.
// The entries sit beside the TypeScript cache, in .cache/strata/plans of the node_modules folder Strata is
// installed in; writing is best effort (a read-only node_modules means no cache).
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as v8 from "node:v8";
import { isBundled } from "./preload.mjs";
import { pipelineClosure } from "./strata-imports.mjs";

const FORMAT = "strata-plan-cache-1";
const here = fileURLToPath(import.meta.url);
const installedIn = here.lastIndexOf(`${path.sep}node_modules${path.sep}`);
const CACHE_DIR = isBundled && installedIn >= 0 ? path.join(here.slice(0, installedIn + "/node_modules".length), ".cache", "strata", "plans") : undefined;
const STRATA_ROOT = installedIn >= 0 ? here.slice(0, here.indexOf(path.sep, installedIn + "/node_modules/".length)) : undefined;

/** The entry file of the pipeline at `absolute` (its closure's bytes), or undefined when its plan is not cacheable. */
const entryFile = (absolute) => {
  if (CACHE_DIR === undefined) return undefined;
  const closure = pipelineClosure(absolute, STRATA_ROOT);
  if (!closure.isPlanOnly) return undefined;
  const key = createHash("sha256").update(JSON.stringify([FORMAT, process.version, absolute, closure.files, closure.strataUrls])).digest("hex");
  return path.join(CACHE_DIR, `${key}.bin`);
};

/** Whether a plan may be cached for this pipeline file: the strata command then starts no loader thread for it. */
export const hasCachedPlan = (absolute) => {
  const file = entryFile(absolute);
  return file !== undefined && fs.existsSync(file);
};

/**
 * The plan stored for `absolute` under this identity (the project root, the pipeline's project path and the
 * installed Strata package's content key; `identity` is called only for a cacheable pipeline), or undefined.
 */
export const readCachedPlan = (absolute, identity) => {
  const file = entryFile(absolute);
  if (file === undefined) return undefined;
  let entry;
  try {
    entry = v8.deserialize(fs.readFileSync(file));
  } catch {
    return undefined;
  }
  return JSON.stringify(entry.identity) === JSON.stringify(identity()) ? entry.study : undefined;
};

/**
 * Stores the plan the loader thread built for `absolute`, when it is cacheable and its closure still has the bytes
 * scanned before the thread read them (a file edited meanwhile may have built a different plan).
 */
export const writeCachedPlan = (absolute, identity, study) => {
  const file = entryFile(absolute);
  if (file === undefined) return;
  if (JSON.stringify(pipelineClosure(absolute, STRATA_ROOT, true)) !== JSON.stringify(pipelineClosure(absolute, STRATA_ROOT))) return;
  const tmp = `${file}.${randomBytes(8).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(tmp, v8.serialize({ identity: identity(), study }));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
};
