// Bundles Strata's TypeScript modules for a fast start-up, keeping the layout of the sources: every module file
// <folder>/<name>.ts becomes an entry <outdir>/<folder>/<name>.js, and esbuild's code splitting puts each module's
// code (and that of effect, apache-arrow and yaml) in exactly one file under <outdir>/chunks/. Loading a command
// then reads a few dozen files instead of ~750, and a module stays one instance however it is reached: by the CLI,
// by a step worker importing a step by its URL, or by a study's pipeline importing "strata".
//
// Two things would point at the wrong place once a module's code moves into a chunk, and both are rewritten to
// paths relative to the output file they end up in: a module's `import.meta.url` (steps name their module by it,
// workers and templates are found from it) becomes the URL of its own entry file, and an import of one of the
// .mjs modules (loaded by path from the bin and the worker entries, so never bundled: one instance each) keeps
// pointing at the copy of that .mjs beside the entries.
import * as fs from "node:fs";
import * as path from "node:path";

/** Packages bundled into the chunks; every other package is imported from node_modules when first used. */
const BUNDLED_PACKAGES = ["effect", "apache-arrow", "yaml"];
const URL_MARKER = "__strata_bundle_url__/";
const IMPORT_MARKER = "__strata_bundle_import__/";

const packageName = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
const toPosix = (p) => p.split(path.sep).join("/");

/** Every TypeScript module under `folders` of `root` (declarations and AssemblyScript sources left out). */
export const moduleEntries = (root, folders) =>
  folders
    .flatMap((folder) => fs.readdirSync(path.join(root, folder), { recursive: true }).map((f) => path.join(folder, String(f))))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !toPosix(f).split("/").includes("assembly"))
    .sort();

const layoutPlugin = (root) => ({
  name: "strata-layout",
  setup(build) {
    const fromPackage = (args) => args.importer.includes(`${path.sep}node_modules${path.sep}`);
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:") || fromPackage(args)) return undefined;
      return BUNDLED_PACKAGES.includes(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
    build.onResolve({ filter: /^\..*\.mjs$/ }, (args) => {
      if (fromPackage(args)) return undefined;
      const target = toPosix(path.relative(root, path.resolve(args.resolveDir, args.path)));
      return { path: `${IMPORT_MARKER}${target}`, external: true };
    });
    // Imports name the compiled ".js" file; in the sources it is the ".ts" beside it.
    build.onResolve({ filter: /^\..*\.js$/ }, (args) => {
      const ts = path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
      return fs.existsSync(ts) ? { path: ts } : undefined;
    });
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const own = toPosix(path.relative(root, args.path)).replace(/\.ts$/, ".js");
      const source = fs.readFileSync(args.path, "utf8").replaceAll("import.meta.url", `new URL(${JSON.stringify(URL_MARKER + own)}, import.meta.url).href`);
      return { contents: source, loader: "ts" };
    });
  },
});

/** Turns the markers of one output file into paths relative to it. */
const relocate = (text, outFile, outdir) => {
  const relative = (target) => {
    const r = toPosix(path.relative(path.dirname(outFile), path.join(outdir, target)));
    return r.startsWith(".") ? r : `./${r}`;
  };
  return text
    .replace(new RegExp(`"${URL_MARKER}([^"]*)"`, "g"), (_, target) => JSON.stringify(relative(target)))
    .replace(new RegExp(`"${IMPORT_MARKER}([^"]*)"`, "g"), (_, target) => JSON.stringify(relative(target)));
};

/**
 * Bundles the modules `entries` (paths relative to `root`) into `outdir`, which gets the same layout.
 * Returns the files written, relative to `outdir`.
 */
export const bundleModules = async (esbuild, { root, entries, outdir }) => {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries.map((e) => path.join(root, e)),
    outbase: root,
    outdir,
    entryNames: "[dir]/[name]",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // CommonJS code inside a bundled package calls require(); ES modules have none of their own.
    banner: { js: 'import { createRequire as __strataCreateRequire } from "node:module"; const require = __strataCreateRequire(import.meta.url);' },
    write: false,
    logLevel: "warning",
    plugins: [layoutPlugin(root)],
  });
  const written = [];
  for (const file of result.outputFiles) {
    const text = relocate(file.text, file.path, outdir);
    // A marker left over sat inside a longer string (say, a message quoting `import.meta.url`): its text would change.
    if (text.includes(URL_MARKER) || text.includes(IMPORT_MARKER)) throw new Error(`bundling left a path marker in ${file.path}: a module mentions import.meta.url (or imports a .mjs) inside a string; write it differently there`);
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, text);
    written.push(toPosix(path.relative(outdir, file.path)));
  }
  return written;
};
