import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Schema } from "effect";
import { UsageError } from "../dsl/errors.js";
import { STRATA_PACKAGE } from "../engine/installed-package.js";
import { parseCommand } from "./args.js";

export const initHelp = `Usage: strata init <dir> [options]

Scaffolds a study repository in <dir> (new or empty): package.json depending on strata, tsconfig.json,
pipelines/example.ts on a small data file (data/example.csv), .gitignore with the store, and a README. Then:

  cd <dir> && npm install && npx strata run pipelines/example.ts

Options:
  --strata SPEC    the dependency spec of strata in package.json (default: ^<this version>), e.g. a tarball
                   file:../strata-0.1.0.tgz or a folder file:../strata
  --name NAME      the package name of the study (default: the folder's name)
`;

const Flags = Schema.Struct({
  help: Schema.Boolean,
  strata: Schema.optionalKey(Schema.String),
  name: Schema.optionalKey(Schema.String),
});

/** The files copied as they are; `gitignore` is stored without its dot because npm pack leaves out .gitignore. */
const TEMPLATES = fileURLToPath(new URL("../templates/init/", import.meta.url));
const RENAMED: { readonly [template: string]: string } = { gitignore: ".gitignore" };
/** The tools the study's own `npx tsc --noEmit` needs, at the versions Strata is developed with. */
const STUDY_DEV_DEPENDENCIES = ["typescript", "@types/node"];

const packageName = (dir: string): string =>
  path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "study";

const studyPackageJson = (name: string, strataSpec: string): string => {
  const own = JSON.parse(fs.readFileSync(path.join(STRATA_PACKAGE.root, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const devDependencies = Object.fromEntries(STUDY_DEV_DEPENDENCIES.map((d) => [d, own.devDependencies?.[d] ?? "*"]));
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { study: "strata run pipelines/example.ts", typecheck: "tsc --noEmit" },
    dependencies: { [STRATA_PACKAGE.name]: strataSpec },
    devDependencies,
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
};

const templateFiles = (dir: string, rel = ""): string[] =>
  fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel === "" ? e.name : `${rel}/${e.name}`;
    return e.isDirectory() ? templateFiles(dir, child) : [child];
  });

export const initCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("init", argv, { help: { type: "boolean", short: "h", default: false }, strata: { type: "string" }, name: { type: "string" } }, Flags);
  if (flags.help) return void process.stdout.write(initHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: "strata init: expected one folder, e.g. `strata init my-study`. Run `strata init --help`." });
  const dir = path.resolve(positionals[0]!);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new UsageError({ problem: `strata init: ${positionals[0]} already exists and is not an empty folder; pass a new folder` });
  }
  const name = flags.name ?? packageName(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of templateFiles(TEMPLATES)) {
    const target = path.join(dir, ...(RENAMED[file] ?? file).split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, fs.readFileSync(path.join(TEMPLATES, file), "utf8").replaceAll("{{name}}", name));
  }
  fs.writeFileSync(path.join(dir, "package.json"), studyPackageJson(name, flags.strata ?? `^${STRATA_PACKAGE.version}`));
  process.stdout.write(`created the study repository ${positionals[0]}; next:\n  cd ${positionals[0]}\n  npm install\n  npx strata run pipelines/example.ts\n`);
  return 0;
};
