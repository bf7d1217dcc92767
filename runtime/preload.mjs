// Packages of many ES module files that every strata command loads: effect (the error types, params, the
// executor) and apache-arrow (tables; artifacts/table.ts, which the engine and every step import). On Node 20,
// module hooks run on a separate thread and each module file loaded after `register` makes a round trip to it,
// which about doubles the load time of these ~400 files. Importing them before the hooks are registered lets
// Node's own loader handle them; the project's later `import ... from "effect"` resolves to the same URL and gets
// the same module instance. A package that stops being loaded by every command should leave this list.
// The installed package bundles both into its chunks (bin/bundle-modules.mjs), so there it preloads nothing.
import * as fs from "node:fs";

export const PRELOADED_PACKAGES = ["effect", "apache-arrow"];

/** Whether this copy runs from the installed package's bundles (dist/chunks beside dist/runtime). */
export const isBundled = fs.existsSync(new URL("../chunks/", import.meta.url));

export const preloadPackages = async () => {
  if (isBundled) return;
  for (const name of PRELOADED_PACKAGES) await import(name);
};
