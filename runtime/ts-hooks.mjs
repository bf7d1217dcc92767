// Module hooks that let Node 20 run the project's TypeScript: a ".js" import from one of the project's own modules
// (.ts or .mjs) resolves to the .ts file beside it when there is one, and .ts files are transpiled by esbuild
// (types stripped, nothing bundled). Everything else, node_modules included, goes straight to Node's own resolver
// and loader: that keeps startup fast. "The project" is any folder outside node_modules: this repository, or a
// study repository where Strata itself is installed under node_modules (compiled, so never transpiled) and only
// the study's pipelines and steps are TypeScript.
//
// Transpiled files are kept in .cache/strata/ts of the node_modules folder these hooks are installed in (or, run
// from this repository's sources, the repository's own node_modules), named by the sha256 of everything the
// output depends on (esbuild's version, the options, the file name and the source text), so an unchanged file is
// read back instead of transpiled and a changed one gets a new name. esbuild itself is loaded only on a miss: a warm
// command never starts it in this thread. The source map names the file by its base name, which Node resolves
// against the module's own URL, so copies of the project share entries and stack traces still show full paths.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const isOwn = (url) => url.startsWith("file:") && !url.includes("/node_modules/");
const isTs = (url) => isOwn(url) && /\.(m|c)?ts$/.test(url);
const mayImportTs = (url) => isOwn(url) && /\.((m|c)?ts|mjs)$/.test(url);

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && mayImportTs(parent) && (specifier.startsWith(".") || specifier.startsWith("/")) && /\.(m|c)?js$/.test(specifier)) {
    const candidate = new URL(specifier.replace(/js$/, "ts"), parent);
    if (fs.existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true, format: "module" };
  }
  return next(specifier, context);
}

const OPTIONS = { loader: "ts", format: "esm", target: "node20", sourcemap: "inline" };
const require = createRequire(import.meta.url);
const ESBUILD_VERSION = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;
const here = fileURLToPath(import.meta.url);
const installedIn = here.lastIndexOf(`${path.sep}node_modules${path.sep}`);
const modules = installedIn >= 0 ? here.slice(0, installedIn + "/node_modules".length) : path.join(path.dirname(here), "..", "node_modules");
const CACHE_DIR = fs.existsSync(modules) ? path.join(modules, ".cache", "strata", "ts") : undefined;

let esbuild;

const transpile = async (source, file) => {
  esbuild ??= await import("esbuild");
  try {
    return (await esbuild.transform(source, { ...OPTIONS, sourcefile: path.basename(file) })).code;
  } catch {
    // A syntax error: transpile again under the full path, so the error names the file in full.
    await esbuild.transform(source, { ...OPTIONS, sourcefile: file });
    throw new Error(`esbuild failed to transpile ${file}`);
  }
};

export async function load(url, context, next) {
  if (!isTs(url)) return next(url, context);
  const file = fileURLToPath(url);
  const source = fs.readFileSync(file, "utf8");
  if (CACHE_DIR === undefined) return { format: "module", source: await transpile(source, file), shortCircuit: true };
  const key = createHash("sha256").update(JSON.stringify([ESBUILD_VERSION, OPTIONS, path.basename(file), source])).digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.mjs`);
  try {
    return { format: "module", source: fs.readFileSync(cached, "utf8"), shortCircuit: true };
  } catch {
    // not transpiled yet
  }
  const code = await transpile(source, file);
  // Best effort (a read-only node_modules just means no cache): a temporary name, then an atomic rename.
  const tmp = `${cached}.${randomBytes(8).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
  return { format: "module", source: code, shortCircuit: true };
}
