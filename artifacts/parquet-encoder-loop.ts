/**
 * The helper thread's side of parquet-encoder.ts: encodes each set of dense columns it is sent (with their
 * encodings, decided by the caller) as one Parquet file with the pinned writer (dense-parquet.ts), and sends the
 * file back.
 */
import { parentPort } from "node:worker_threads";
import type { DenseColumn } from "./dense-column.js";
import { TableTooLargeError, encodeDenseParquet } from "./dense-parquet.js";
import type { ColumnEncoding } from "./parquet-writer.js";

export interface EncodeRequest {
  readonly id: number;
  readonly columns: readonly DenseColumn[];
  readonly encodings: readonly ColumnEncoding[];
}

export type EncodeReply =
  | { readonly id: number; readonly bytes: Uint8Array }
  | { readonly id: number; readonly error: string; readonly tooLarge: boolean };

export const serveEncodeRequests = () => {
  const port = parentPort!;
  port.on("message", (request: EncodeRequest) => {
    let reply: EncodeReply;
    try {
      const bytes = encodeDenseParquet(request.columns, request.encodings);
      // In a buffer of its own, so that transferring it detaches nothing else.
      reply = { id: request.id, bytes: bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice() };
    } catch (e) {
      reply = { id: request.id, error: e instanceof Error ? e.message : String(e), tooLarge: e instanceof TableTooLargeError };
    }
    port.postMessage(reply, "bytes" in reply ? [reply.bytes.buffer as ArrayBuffer] : []);
  });
};
