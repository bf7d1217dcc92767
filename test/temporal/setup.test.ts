// The temporal binary is found (never downloaded), and the Temporal commands explain themselves and fail readably.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../workers/dev-server.js";
import { resolveTemporalBinary, SETUP_SCRIPT, usableVersion } from "../../workers/temporal-binary.js";
import { fixture, killChildren, runStrata, temporalBinary, tempDir } from "./support.js";

afterAll(killChildren);

describe("the temporal binary", () => {
  it("is found by the setup script and by the TypeScript resolver alike (the suite fails, never skips, without it)", () => {
    const binary = temporalBinary();
    const printed = execFileSync(SETUP_SCRIPT, { encoding: "utf8" }).trim();
    expect(printed).toBe(binary);
    expect(usableVersion(execFileSync(binary, ["--version"], { encoding: "utf8" }))).toBe(true);
  });

  it("says how to get one when none is usable", () => {
    const empty = tempDir("no-temporal");
    expect(() => resolveTemporalBinary({ PATH: empty, STRATA_CACHE: empty, HOME: empty })).toThrow(/no Temporal CLI found .*setup-temporal\.sh/);
    expect(() => resolveTemporalBinary({ STRATA_TEMPORAL_BIN: path.join(empty, "temporal") })).toThrow(/STRATA_TEMPORAL_BIN=.* is not a usable temporal CLI/);
  });

  it("accepts release CLIs and source builds of a recent server, nothing else", () => {
    expect(usableVersion("temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)")).toBe(true);
    expect(usableVersion("temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)")).toBe(true);
    expect(usableVersion("temporal version 0.0.0-DEV (Server 1.20.0, UI 2.0.0)")).toBe(false);
    expect(usableVersion("temporal version 0.10.0")).toBe(false);
    expect(usableVersion("something else")).toBe(false);
  });
});

describe("the Temporal commands", () => {
  it("have help that names their flags and environment", async () => {
    const [worker, dev, run] = await Promise.all([runStrata(["worker", "--help"]), runStrata(["dev", "--help"]), runStrata(["run", "--help"])]);
    expect(worker.code).toBe(0);
    for (const flag of ["--task-queue", "--concurrency", "--address", "--namespace", "--store", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"]) expect(worker.stdout).toContain(flag);
    expect(dev.code).toBe(0);
    for (const flag of ["--port", "--ui-port", "--store", "dev.sqlite"]) expect(dev.stdout).toContain(flag);
    for (const flag of ["--engine", "--heartbeat-timeout", "--start-to-close", "--max-attempts", "--retry-initial"]) expect(run.stdout).toContain(flag);
  });

  it("fail readably and quickly when no server answers, naming the address and `strata dev`", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const [run, worker] = await Promise.all([
      runStrata(["run", fixture("tiny.ts"), "--engine", "temporal", "--no-lock", "--address", address, "--store", tempDir("unreachable")]),
      runStrata(["worker"], { TEMPORAL_ADDRESS: address }),
    ]);
    for (const r of [run, worker]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`strata: error: cannot reach a Temporal server at ${address} (namespace default): connection refused`);
      expect(r.stderr).toContain("strata dev");
      expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
    }
  });

  it("reject bad flags with the flag's name", async () => {
    const [bad, local, both, engine] = await Promise.all([
      runStrata(["run", fixture("tiny.ts"), "--engine", "temporal", "--no-lock", "--heartbeat-timeout", "soon"]),
      runStrata(["run", fixture("tiny.ts"), "--task-queue", "q"]),
      runStrata(["run", fixture("tiny.ts"), "--engine", "temporal", "--no-lock", "--concurrency", "2"]),
      runStrata(["run", fixture("tiny.ts"), "--engine", "cloud"]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--heartbeat-timeout: expected a duration such as 500ms, 20s/);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--task-queue applies only with --engine temporal/);
    expect(both.stderr).toMatch(/--concurrency applies to the local engine/);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/--engine/);
  });

  it("refuse a dev server port that is taken", async () => {
    const net = await import("node:net");
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    try {
      const dev = await runStrata(["dev", "--port", String(port), "--ui-port", String(await freePort()), "--store", tempDir("busy")]);
      expect(dev.code).toBe(2);
      expect(dev.stderr).toContain(`port ${port} is already in use`);
    } finally {
      server.close();
    }
    expect(fs.existsSync(SETUP_SCRIPT)).toBe(true);
  });
});
