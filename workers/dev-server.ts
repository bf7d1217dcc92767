import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { Connection } from "@temporalio/client";
import { UsageError } from "../dsl/errors.js";

export interface DevServerOptions {
  /** The temporal CLI (see resolveTemporalBinary). */
  readonly binary: string;
  /** SQLite file that persists the server's state; omitted: in memory. Its folder is created. */
  readonly dbFile?: string;
  readonly port: number;
  /** Web UI port; omitted: headless. */
  readonly uiPort?: number;
  readonly namespace?: string;
  readonly logLevel?: "debug" | "info" | "warn" | "error";
  /** How long to wait for the frontend to answer; 30 s by default. */
  readonly readyTimeoutMs?: number;
}

export interface DevServer {
  readonly address: string;
  readonly uiAddress: string | undefined;
  readonly process: ChildProcess;
  /** Resolves when the server process exits (code, or the signal that ended it). */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const portInUse = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/**
 * Starts `temporal server start-dev` from an existing binary (nothing is downloaded) and waits until its frontend
 * answers. A port already in use, or a server that exits during startup, is a readable error.
 */
export const startDevServer = async (options: DevServerOptions): Promise<DevServer> => {
  for (const [flag, port] of [["--port", options.port], ["--ui-port", options.uiPort]] as const) {
    if (port !== undefined && (await portInUse(port))) {
      throw new UsageError({ problem: `port ${port} is already in use (another \`strata dev\` or Temporal server?); stop it or pass ${flag} with a free port` });
    }
  }
  const args = ["server", "start-dev", "--port", String(options.port), "--log-level", options.logLevel ?? "warn", "--namespace", options.namespace ?? "default"];
  if (options.dbFile !== undefined) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push("--db-filename", options.dbFile);
  }
  if (options.uiPort !== undefined) args.push("--ui-port", String(options.uiPort));
  else args.push("--headless");
  const child = spawn(options.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? 0)));
  const address = `127.0.0.1:${options.port}`;
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let early: number | NodeJS.Signals | undefined;
  void exited.then((c) => (early = c));
  for (;;) {
    if (early !== undefined) {
      throw new UsageError({ problem: `the Temporal dev server (${options.binary}) exited during startup (${early}):\n${output.trim()}` });
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: "1s" });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace ?? "default" });
        break;
      } finally {
        await connection.close();
      }
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new UsageError({ problem: `the Temporal dev server did not answer on ${address} within ${((options.readyTimeoutMs ?? 30_000) / 1000).toFixed(0)}s: ${e instanceof Error ? e.message : String(e)}\n${output.trim()}` });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    address,
    uiAddress: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    process: child,
    exited,
    stop,
  };
};
