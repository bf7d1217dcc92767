import { ownTextSafe } from "../dsl/display-text.js";

/**
 * Makes everything a command writes to a stream pass the output-encoding rule of dsl/display-text.ts: data that
 * reaches the terminal (a subgroup label in a warning, a column name a step logs, a step's own console output)
 * can never clear the screen or move the cursor. Line breaks stay, so our own output keeps its shape; JSON stays
 * valid and equal (it holds no raw control character but its own line breaks, and C1 becomes a \u escape).
 */
export const guardTerminalOutput = (stream: NodeJS.WriteStream): void => {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === "string" ? ownTextSafe(chunk) : chunk instanceof Uint8Array ? ownTextSafe(Buffer.from(chunk).toString("utf8")) : chunk, ...rest)) as typeof stream.write;
};
