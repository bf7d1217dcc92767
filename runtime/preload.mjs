// Packages of many ES module files that every strata command loads: effect (the error types, params, the
// executor) and apache-arrow (tables; artifacts/table.ts, which the engine and every step import). On Node 20,
// module hooks run on a separate thread and each module file loaded after `register` makes a round trip to it,
// which about doubles the load time of these ~400 files. Importing them before the hooks are registered lets
// Node's own loader handle them; the project's later `import ... from "effect"` resolves to the same URL and gets
// the same module instance. A package that stops being loaded by every command should leave this list.
export const PRELOADED_PACKAGES = ["effect", "apache-arrow"];

export const preloadPackages = async () => {
  for (const name of PRELOADED_PACKAGES) await import(name);
};
