/**
 * A helper thread that encodes part of a table's columns while the calling thread encodes the rest (table.ts), so
 * a large table's write uses two cores. The helper is started on the first large table and kept for the thread's
 * life (it compiles parquet-wasm once); it holds the process open only while it has work. Its files are written
 * by the same function as the caller's (dense-parquet.ts), and a column's chunks do not depend on the other
 * columns of its file, so the assembled file has the bytes one writer would have written
 * (test/artifacts/parquet-assembly.test.ts).
 */
import { Worker } from "node:worker_threads";
import type { DenseColumn } from "./dense-column.js";
import type { EncodeReply, EncodeRequest } from "./parquet-encoder-loop.js";
import type { ColumnEncoding } from "./parquet-writer.js";

const ENTRY = new URL("./parquet-encoder-worker.mjs", import.meta.url);

/** The helper's WebAssembly memory ran out while encoding its columns. */
export class HelperTableTooLargeError extends Error {}

interface Waiting {
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

class EncoderHelper {
  private readonly worker = new Worker(ENTRY);
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  gone = false;

  constructor() {
    this.worker.unref();
    this.worker.on("message", (reply: EncodeReply) => {
      const waiting = this.waiting.get(reply.id)!;
      this.settled(reply.id);
      if ("bytes" in reply) waiting.resolve(reply.bytes);
      else waiting.reject(reply.tooLarge ? new HelperTableTooLargeError(reply.error) : new Error(`the Parquet encoder's helper thread failed: ${reply.error}`));
    });
    const fail = (e: Error) => {
      this.gone = true;
      for (const [id, waiting] of this.waiting) {
        this.settled(id);
        waiting.reject(e);
      }
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the Parquet encoder's helper thread exited (code ${code})`)));
  }

  /** Copies the columns to the helper (they stay the caller's) and resolves to their Parquet file. */
  encode(columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[]): Promise<Uint8Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      const request: EncodeRequest = { id, columns, encodings };
      this.worker.postMessage(request);
    });
  }

  private settled(id: number) {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
  }
}

let helper: EncoderHelper | undefined;

/** Encodes dense columns as one Parquet file in this thread's helper (started on first use, again if it died). */
export const encodeInHelper = (columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[]): Promise<Uint8Array> => {
  if (helper === undefined || helper.gone) helper = new EncoderHelper();
  return helper.encode(columns, encodings);
};
