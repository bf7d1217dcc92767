// The project files a pipeline file imports and the installed Strata modules it names: every "strata" or
// "strata/…" specifier in the file and in the project files it imports by a relative path (followed through, ".js"
// standing for the ".ts" beside it), found by scanning the source text, resolved from the importing file the way
// Node resolves them.
// - The study-loader thread imports the Strata modules before it registers the TypeScript hooks, so Node's own
//   loader reads them with no round trip to the hooks thread per file. As a prefetch a scan may be loose: a
//   specifier it misses is imported later anyway, one it finds in a comment or string only costs its load, and the
//   resolved URL is the one the pipeline's own import gets, so the pipeline receives these very module instances.
// - The plan cache (runtime/plan-cache.mjs) keys a pipeline's plan by these files' bytes, and serves it only for a
//   closure that can build nothing but its plan: see `isPlanOnly`.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const SPECIFIER = /(?:from|import)\s*\(?\s*["']([^"']+)["']/g;

// What a file's top-level code could read besides its imports and its own text: the process, the clock, random
// numbers, the locale, the console (output a cached plan would not repeat), code built at run time. A word here in
// a comment or a string only costs the cache. `import.meta.url` is allowed (custom steps name their module with
// it): it is the file's own URL, which the cache key holds.
const AMBIENT =
  /\b(?:process|globalThis|global|window|self|require|eval|Function|Date|performance|console|crypto|fetch|setTimeout|setInterval|setImmediate|queueMicrotask|Intl|Atomics|WeakRef|FinalizationRegistry|Worker|WebAssembly|Buffer|navigator|Reflect|Proxy)\b|\bMath\s*(?:\.\s*random\b|[^.\s])|toLocale|import\s*\.\s*meta|import\s*\(/;

/**
 * @typedef {object} PipelineClosure
 * @property {string[]} strataUrls the resolved file URLs of the "strata" modules named, sorted
 * @property {[string, string][]} files every project file read, absolute, with the sha256 of its bytes, sorted
 * @property {boolean} isPlanOnly every import is a Strata module of `strataRoot` or a project file of the closure,
 *   every file was readable, and none names anything ambient: its default export depends on these files alone
 */

const closures = new Map();

/**
 * The scan of `file`'s closure, memoized per thread (the strata command's check for a cached plan and its lookup
 * read the same one) unless `fresh`.
 */
export const pipelineClosure = (file, strataRoot, fresh = false) => {
  const memoKey = `${file}\0${strataRoot ?? ""}`;
  let closure = fresh ? undefined : closures.get(memoKey);
  if (closure !== undefined) return closure;
  const urls = new Set();
  const files = new Map();
  const pending = [file];
  let isPlanOnly = true;
  while (pending.length > 0) {
    const current = pending.pop();
    if (files.has(current)) continue;
    let bytes;
    try {
      bytes = fs.readFileSync(current);
    } catch {
      isPlanOnly = false;
      continue;
    }
    files.set(current, createHash("sha256").update(bytes).digest("hex"));
    const source = bytes.toString("utf8");
    if (AMBIENT.test(source.replaceAll("import.meta.url", ""))) isPlanOnly = false;
    const require = createRequire(current);
    for (const [, specifier] of source.matchAll(SPECIFIER)) {
      if (specifier === "strata" || specifier.startsWith("strata/")) {
        try {
          const resolved = require.resolve(specifier);
          urls.add(pathToFileURL(resolved).href);
          if (strataRoot === undefined || !resolved.startsWith(strataRoot + path.sep)) isPlanOnly = false;
        } catch {
          // Not resolvable from here: the pipeline's own import reports it.
          isPlanOnly = false;
        }
      } else if (specifier.startsWith(".") && !current.includes(`${path.sep}node_modules${path.sep}`)) {
        pending.push(path.resolve(path.dirname(current), specifier.replace(/\.(m|c)?js$/, ".$1ts")));
      } else {
        isPlanOnly = false;
      }
    }
  }
  closure = { strataUrls: [...urls].sort(), files: [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1)), isPlanOnly };
  if (!fresh) closures.set(memoKey, closure);
  return closure;
};

/** File URLs of the "strata" modules `file` and its relative project imports name; unresolvable ones are left out. */
export const strataImportsOf = (file) => pipelineClosure(file).strataUrls;
