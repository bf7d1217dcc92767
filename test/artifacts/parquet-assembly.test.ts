import * as pq from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { denseFromValues } from "../../artifacts/dense-column.js";
import { type DecodedParquet, type DenseColumn, ROW_GROUP_ROWS, decodeParquet, denseColumns, encodeDenseParquet, encodeDenseParquetChunks, tableOfDense } from "../../artifacts/table.js";
import { columnEncodings } from "../../artifacts/dense-parquet.js";
import { encodeInHelper } from "../../artifacts/parquet-encoder.js";
import { decodeThriftStruct, encodeThriftStruct } from "../../artifacts/thrift-compact.js";

const collect = async (parts: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> => {
  const out: Uint8Array[] = [];
  for await (const part of parts) out.push(part);
  return out;
};

/** A file's bytes and its decoded table, as a step gets them from a stored input. */
const stored = (columns: readonly DenseColumn[]): DecodedParquet => {
  const bytes = encodeDenseParquet(columns);
  return { bytes, table: decodeParquet(bytes) };
};

/** Encodes `columns` with the inputs' chunks available; the bytes must be the whole-file writer's. */
const encodeWith = async (columns: readonly DenseColumn[], inputs: readonly DecodedParquet[]) => {
  const parts = await collect(encodeDenseParquetChunks(columns, inputs));
  const bytes = Buffer.concat(parts);
  expect(bytes.equals(Buffer.from(encodeDenseParquet(columns)))).toBe(true);
  // Copied chunks are views of an input file's bytes.
  const copied = parts.filter((p) => inputs.some((i) => p.buffer === i.bytes.buffer)).length;
  return { bytes, copied };
};

const renamed = (c: DenseColumn, name: string): DenseColumn => ({ ...c, name });

const n = 1000;
const mixed = (): DenseColumn[] => [
  denseFromValues("f", "float", Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : Math.sin(i) * 100))),
  denseFromValues("i", "int", Int32Array.from({ length: n }, (_, i) => i % 7)),
  denseFromValues("s", "string", Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `s${i % 13}ü`))),
  denseFromValues("b", "bool", Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i % 2 === 0))),
  denseFromValues("e", "string", Array.from({ length: n }, () => "")),
];

describe("thrift compact structs", () => {
  it("re-encode a real Parquet footer to the same bytes", () => {
    const bytes = encodeDenseParquet(mixed());
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
    const footer = bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
    const { struct, end } = decodeThriftStruct(footer);
    expect(end).toBe(footer.length);
    expect(Buffer.from(encodeThriftStruct(struct)).equals(Buffer.from(footer))).toBe(true);
  });
});

describe("Parquet files assembled from passed-through column chunks", () => {
  it("copies every passed-through column, renamed and reordered, and encodes only the new ones", async () => {
    const input = stored(mixed());
    const passed = denseColumns(input.table);
    const added = denseFromValues("target", "int", Int32Array.from({ length: n }, (_, i) => i % 2));
    const { copied } = await encodeWith([passed[3]!, added, renamed(passed[0]!, "renamed f"), passed[2]!, passed[1]!, passed[4]!], [input]);
    expect(copied).toBe(5);
  });

  it("copies columns equal to an input's even when their buffers are not the input's, from several inputs", async () => {
    const a = stored(mixed());
    const b = stored([denseFromValues("other", "float", Float64Array.from({ length: n }, (_, i) => i / 3))]);
    const { copied } = await encodeWith([...mixed(), denseFromValues("again", "float", Float64Array.from({ length: n }, (_, i) => i / 3))], [b, a]);
    expect(copied).toBe(6);
  });

  it("encodes a column whose values differ from the input's, however little", async () => {
    const input = stored(mixed());
    const changed = Int32Array.from({ length: n }, (_, i) => i % 7);
    changed[n - 1] = 100;
    const { copied } = await encodeWith([denseColumns(input.table)[0]!, denseFromValues("i", "int", changed)], [input]);
    expect(copied).toBe(1);
  });

  it("writes a table of passed-through columns only, and an empty table, as the writer does", async () => {
    const input = stored(mixed());
    expect((await encodeWith(denseColumns(input.table).slice(1, 3), [input])).copied).toBe(2);
    const empty = stored(mixed().map((c) => denseFromValues(c.name, c.type, [])));
    expect((await encodeWith(denseColumns(empty.table), [empty])).copied).toBe(0);
  });

  it("copies dictionary-overflowing columns (plain encoded, LZ4_RAW), also under another name", async () => {
    const rows = 200_000;
    const input = stored([
      denseFromValues("x.1", "float", Float64Array.from({ length: rows }, (_, i) => Math.sqrt(i + 0.5))),
      denseFromValues("id", "string", Array.from({ length: rows }, (_, i) => `patient-${i}`)),
    ]);
    const [x, id] = denseColumns(input.table);
    const { copied } = await encodeWith([id!, denseFromValues("y", "float", Float64Array.from({ length: rows }, (_, i) => i * 0.25)), renamed(x!, "x")], [input]);
    expect(copied).toBe(2);
  });

  it("copies the chunks of every row group of a table longer than one", async () => {
    const rows = ROW_GROUP_ROWS + 1000;
    const input = stored([denseFromValues("k", "int", Int32Array.from({ length: rows }, (_, i) => i % 5))]);
    const flag = denseFromValues("flag", "bool", Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? null : i % 4 === 0)));
    const { copied } = await encodeWith([flag, ...denseColumns(input.table)], [input]);
    expect(copied).toBe(2);
  });

  it("never copies a chunk of a file another writer wrote, or of a table with other row groups", async () => {
    const columns = mixed();
    const foreign = pq.writeParquet(
      pq.Table.fromIPCStream((await import("apache-arrow")).tableToIPC(tableOfDense(columns), "stream")),
      new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).setCreatedBy("another writer").build(),
    );
    expect((await encodeWith(columns, [{ bytes: foreign, table: decodeParquet(foreign) }])).copied).toBe(0);
    const longer = stored(mixed().map((c) => denseFromValues(c.name, c.type, [null])));
    expect((await encodeWith(columns, [longer])).copied).toBe(0);
  });
});

describe("a large table's new columns encoded on two threads", () => {
  // Above the split threshold (2^21 cells to encode): half of the new columns, by bytes, go to the helper thread.
  const rows = 300_000;
  const wide = (): DenseColumn[] => [
    denseFromValues("age", "float", Float64Array.from({ length: rows }, (_, i) => 29 + ((i * 7919) % 48))),
    denseFromValues("oldpeak", "float", Array.from({ length: rows }, (_, i) => (i % 17 === 0 ? null : ((i * 31) % 62) / 10))),
    denseFromValues("noise", "float", Float64Array.from({ length: rows }, (_, i) => Math.sin(i) * 1e6)),
    denseFromValues("code", "int", Int32Array.from({ length: rows }, (_, i) => i % 5)),
    denseFromValues("site", "string", Array.from({ length: rows }, (_, i) => (i % 23 === 0 ? null : `site-${i % 41}`))),
    denseFromValues("id", "string", Array.from({ length: rows }, (_, i) => `patient-${i}`)),
    denseFromValues("flag", "bool", Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? null : i % 4 === 0))),
    denseFromValues("ones", "int", Int32Array.from({ length: rows }, () => 1)),
  ];

  it("gives the one-thread writer's bytes, with nothing to copy", async () => {
    expect((await encodeWith(wide(), [])).copied).toBe(0);
  });

  it("gives the one-thread writer's bytes beside copied columns", async () => {
    const input = stored(wide().slice(0, 3));
    const fresh = wide().slice(3);
    const { copied } = await encodeWith([...fresh.slice(0, 2), ...denseColumns(input.table), ...fresh.slice(2)], [input]);
    expect(copied).toBe(3);
  });

  it("gives the one-thread writer's bytes for a table of two row groups", async () => {
    const long = ROW_GROUP_ROWS + 1000;
    const columns = [
      denseFromValues("k", "int", Int32Array.from({ length: long }, (_, i) => i % 5)),
      denseFromValues("x", "float", Float64Array.from({ length: long }, (_, i) => i * 0.5)),
    ];
    expect((await encodeWith(columns, [])).copied).toBe(0);
  });

  it("the helper thread encodes a file byte for byte as this thread does", async () => {
    const columns = wide();
    expect(Buffer.from(await encodeInHelper(columns, columnEncodings(columns))).equals(Buffer.from(encodeDenseParquet(columns)))).toBe(true);
    // The columns were copied to the helper, not moved: they are still whole here.
    expect(columns[0]!.values.length).toBe(rows);
  });
});
