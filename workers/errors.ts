import * as net from "node:net";
import { UsageError } from "../dsl/errors.js";

/** The gist of a connection error (the native SDK's errors are Rust debug dumps). */
const gist = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e);
  if (/ConnectionRefused|ECONNREFUSED|Connection refused/i.test(text)) return "connection refused";
  if (/ENOTFOUND|failed to lookup|dns error/i.test(text)) return "unknown host";
  if (/deadline|timed? ?out/i.test(text)) return "no answer in time";
  return text.split("\n")[0]!.slice(0, 200);
};

/** A readable error for a server that does not answer, naming the address and how to get one. */
export const unreachable = (address: string, namespace: string, e: unknown): UsageError =>
  new UsageError({
    problem:
      `cannot reach a Temporal server at ${address} (namespace ${namespace}): ${gist(e)}. ` +
      "Start a local one with `strata dev`, or pass --address (or set TEMPORAL_ADDRESS) to a running server",
  });

/**
 * Fails at once, with the readable error, when nothing listens at host:port (the gRPC clients would retry until
 * their deadline). Any other outcome, including a slow answer, is left to the real connection.
 */
export const probeAddress = (address: string, namespace: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const m = /^(.*):(\d+)$/.exec(address);
    if (!m) return reject(new UsageError({ problem: `--address ${address}: expected HOST:PORT, e.g. localhost:7233` }));
    const socket = net.connect({ host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) });
    const done = (error?: unknown) => {
      socket.destroy();
      clearTimeout(timer);
      if (error !== undefined) reject(unreachable(address, namespace, error));
      else resolve();
    };
    const timer = setTimeout(() => done(), 2000);
    socket.once("connect", () => done());
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "EAI_AGAIN" ? e : undefined));
  });
