// The installed Strata modules a pipeline file will import: every "strata" or "strata/…" specifier in the file and
// in the project files it imports by a relative path (followed through, ".js" standing for the ".ts" beside it),
// found by scanning the source text, resolved from the importing file the way Node resolves them. The study-loader
// thread imports these before it registers the TypeScript hooks, so Node's own loader reads them with no round
// trip to the hooks thread per file. A scan is only a prefetch: a specifier it misses is imported later anyway,
// one it finds in a comment or string only costs its load, and the resolved URL is the one the pipeline's own
// import gets, so the pipeline receives these very module instances.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const SPECIFIER = /(?:from|import)\s*\(?\s*["']([^"']+)["']/g;

/** File URLs of the "strata" modules `file` and its relative project imports name; unresolvable ones are left out. */
export const strataImportsOf = (file) => {
  const urls = new Set();
  const seen = new Set();
  const pending = [file];
  while (pending.length > 0) {
    const current = pending.pop();
    if (seen.has(current)) continue;
    seen.add(current);
    let source;
    try {
      source = fs.readFileSync(current, "utf8");
    } catch {
      continue;
    }
    const require = createRequire(current);
    for (const [, specifier] of source.matchAll(SPECIFIER)) {
      if (specifier === "strata" || specifier.startsWith("strata/")) {
        try {
          urls.add(pathToFileURL(require.resolve(specifier)).href);
        } catch {
          // Not resolvable from here: the pipeline's own import reports it.
        }
      } else if (specifier.startsWith(".") && !current.includes(`${path.sep}node_modules${path.sep}`)) {
        pending.push(path.resolve(path.dirname(current), specifier.replace(/\.(m|c)?js$/, ".$1ts")));
      }
    }
  }
  return [...urls].sort();
};
