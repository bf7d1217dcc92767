import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../dsl/errors.js";

/** The Temporal CLI version Strata builds when none is installed (v1.6+ cannot be `go install`ed). */
export const TEMPORAL_CLI_VERSION = "v1.5.1";

export const SETUP_SCRIPT = fileURLToPath(new URL("./setup-temporal.sh", import.meta.url));

export const strataCacheDir = (env: NodeJS.ProcessEnv = process.env): string => env.STRATA_CACHE ?? path.join(os.homedir(), ".cache", "strata");

/** The folder the setup script builds into: `${STRATA_CACHE:-~/.cache/strata}/temporal-v1.5.1/temporal`. */
export const cachedTemporalBinary = (env: NodeJS.ProcessEnv = process.env): string =>
  path.join(strataCacheDir(env), `temporal-${TEMPORAL_CLI_VERSION}`, "temporal");

/**
 * Whether `temporal --version` names a usable CLI: 1.x or newer, or a source build (0.0.0-DEV, what go install
 * gives) of server 1.25 or newer. The same rule as workers/setup-temporal.sh.
 */
export const usableVersion = (versionLine: string): boolean => {
  const cli = /^temporal version (\d+)\.(\d+)\.(\d+)/.exec(versionLine.trim());
  if (!cli) return false;
  if (Number(cli[1]) >= 1) return true;
  const server = /Server (\d+)\.(\d+)/.exec(versionLine);
  return server !== null && (Number(server[1]) > 1 || (Number(server[1]) === 1 && Number(server[2]) >= 25));
};

const usable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return usableVersion(execFileSync(file, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return false;
  }
};

const onPath = (env: NodeJS.ProcessEnv): string | undefined => {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const file = path.join(dir, "temporal");
    if (fs.existsSync(file)) return file;
  }
  return undefined;
};

/**
 * The path of a usable `temporal` binary, found the way workers/setup-temporal.sh finds it:
 * $STRATA_TEMPORAL_BIN, then `temporal` on PATH, then the cache folder. Never downloads or builds anything;
 * when nothing is found the error says how to get one.
 */
export const resolveTemporalBinary = (env: NodeJS.ProcessEnv = process.env): string => {
  const override = env.STRATA_TEMPORAL_BIN;
  if (override !== undefined && override !== "") {
    if (usable(override)) return override;
    throw new UsageError({ problem: `STRATA_TEMPORAL_BIN=${override} is not a usable temporal CLI (it must exist and answer \`--version\`); fix or unset it` });
  }
  const fromPath = onPath(env);
  if (fromPath !== undefined && usable(fromPath)) return fromPath;
  const cached = cachedTemporalBinary(env);
  if (usable(cached)) return cached;
  throw new UsageError({
    problem:
      `no Temporal CLI found (looked at STRATA_TEMPORAL_BIN, \`temporal\` on PATH and ${cached}). ` +
      `Run ${path.relative(process.cwd(), SETUP_SCRIPT) || SETUP_SCRIPT} to build it with Go (once), ` +
      `then retry, or set STRATA_TEMPORAL_BIN to an installed \`temporal\` binary`,
  });
};
