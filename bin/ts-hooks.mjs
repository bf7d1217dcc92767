// Module hooks that let Node 20 run the project's TypeScript: a ".js" import from a .ts file resolves to the .ts
// file beside it, and .ts files are transpiled by esbuild (types stripped, nothing bundled). Everything else,
// node_modules included, goes straight to Node's own resolver and loader: that keeps startup fast.
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const isTs = (url) => url.startsWith("file:") && /\.(m|c)?ts$/.test(url) && !url.includes("/node_modules/");

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && isTs(parent) && (specifier.startsWith(".") || specifier.startsWith("/")) && /\.(m|c)?js$/.test(specifier)) {
    const candidate = new URL(specifier.replace(/js$/, "ts"), parent);
    if (fs.existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true, format: "module" };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!isTs(url)) return next(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(fs.readFileSync(file, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node20",
    sourcefile: file,
    sourcemap: "inline",
  });
  return { format: "module", source: code, shortCircuit: true };
}
