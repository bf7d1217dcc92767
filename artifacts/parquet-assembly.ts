/**
 * Parquet files assembled from column chunks of other Parquet files, byte for byte as parquet-wasm's writer would
 * write the whole table. A file is "PAR1", each row group's column chunks in schema order, each chunk's offset index
 * (row group by row group), the FileMetaData (thrift compact), its length and "PAR1". A chunk's pages depend only on
 * its column's values and writer properties, so they can be copied; the footer and offset indexes hold absolute
 * offsets and the column's name, which are rewritten here. Supported: flat schemas without column indexes or bloom
 * filters, as Strata's writer writes them (`parquetLayout` returns undefined for anything else).
 */
import { decodeThriftStruct, encodeThriftStruct, setThriftField, thriftField, ThriftType, type ThriftList, type ThriftStruct, type ThriftValue } from "./thrift-compact.js";

// Field ids of parquet.thrift.
const FILE = { schema: 2, numRows: 3, rowGroups: 4, createdBy: 6 } as const;
const ROW_GROUP = { columns: 1, totalByteSize: 2, numRows: 3, fileOffset: 5, totalCompressedSize: 6, ordinal: 7 } as const;
const CHUNK = { filePath: 1, metaData: 3, offsetIndexOffset: 4, offsetIndexLength: 5, columnIndexOffset: 6 } as const;
const META = { pathInSchema: 3, totalUncompressedSize: 6, totalCompressedSize: 7, dataPageOffset: 9, indexPageOffset: 10, dictionaryPageOffset: 11, bloomFilterOffset: 14 } as const;
const SCHEMA = { numChildren: 5 } as const;
const OFFSET_INDEX = { pageLocations: 1 } as const;
const PAGE_LOCATION = { offset: 1 } as const;

const MAGIC = new TextEncoder().encode("PAR1");

/** One column chunk of a file: where its pages are, its ColumnChunk metadata and its offset index. */
export interface ColumnChunkBytes {
  readonly pages: Uint8Array;
  /** File offset of the chunk's first page. */
  readonly start: bigint;
  readonly metadata: ThriftStruct;
  readonly offsetIndex: ThriftStruct;
}

export interface ParquetLayout {
  readonly footer: ThriftStruct;
  readonly createdBy: string;
  readonly numRows: bigint;
  /** Rows of each row group. */
  readonly rowGroupRows: readonly bigint[];
  /** Chunks by row group, then by column. */
  readonly chunks: readonly (readonly ColumnChunkBytes[])[];
}

const i64 = (s: ThriftStruct, id: number): bigint | undefined => thriftField(s, id)?.value as bigint | undefined;
const i32 = (s: ThriftStruct, id: number): number | undefined => thriftField(s, id)?.value as number | undefined;
const struct = (s: ThriftStruct, id: number): ThriftStruct => thriftField(s, id)!.value as ThriftStruct;
const list = (s: ThriftStruct, id: number): ThriftList => thriftField(s, id)!.value as ThriftList;

/** A deep copy, so a rewritten footer never changes the layout it came from (byte strings are shared, never written). */
const cloneStruct = (s: ThriftStruct): ThriftStruct => ({ fields: s.fields.map((f) => ({ id: f.id, type: f.type, value: cloneValue(f.value) })) });
const cloneValue = (v: ThriftValue): ThriftValue => {
  if (typeof v !== "object" || v instanceof Uint8Array) return v;
  if ("items" in v) return { elementType: v.elementType, items: v.items.map(cloneValue) };
  return cloneStruct(v);
};

/**
 * Where each column chunk of a Parquet file is, with its metadata; undefined for a file this module cannot
 * reassemble exactly (nested schema, column indexes, bloom filters, chunks in another file, no offset index).
 */
export const parquetLayout = (bytes: Uint8Array): ParquetLayout | undefined => {
  try {
    return readLayout(bytes);
  } catch {
    // A footer this reader does not follow (another writer's file) is one not to copy from, not an error.
    return undefined;
  }
};

const readLayout = (bytes: Uint8Array): ParquetLayout | undefined => {
  if (bytes.length < 12) return undefined;
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 8, true);
  const footerStart = bytes.length - 8 - footerLength;
  if (footerStart < 4) return undefined;
  const { struct: footer, end } = decodeThriftStruct(bytes, footerStart);
  if (end !== bytes.length - 8) return undefined;
  const schema = list(footer, FILE.schema).items as ThriftStruct[];
  // Flat: the root's children are all the leaves.
  if (schema.length === 0 || i32(schema[0]!, SCHEMA.numChildren) !== schema.length - 1) return undefined;
  const createdBy = thriftField(footer, FILE.createdBy)?.value;
  const rowGroups = list(footer, FILE.rowGroups).items as ThriftStruct[];
  const chunks: ColumnChunkBytes[][] = [];
  for (const group of rowGroups) {
    const columns = list(group, ROW_GROUP.columns).items as ThriftStruct[];
    if (columns.length !== schema.length - 1) return undefined;
    const groupChunks: ColumnChunkBytes[] = [];
    for (const column of columns) {
      if (thriftField(column, CHUNK.filePath) !== undefined || thriftField(column, CHUNK.columnIndexOffset) !== undefined) return undefined;
      const meta = struct(column, CHUNK.metaData);
      if (thriftField(meta, META.bloomFilterOffset) !== undefined || thriftField(meta, META.indexPageOffset) !== undefined) return undefined;
      const indexOffset = i64(column, CHUNK.offsetIndexOffset);
      const indexLength = i32(column, CHUNK.offsetIndexLength);
      if (indexOffset === undefined || indexLength === undefined) return undefined;
      const data = i64(meta, META.dataPageOffset)!;
      const dictionary = i64(meta, META.dictionaryPageOffset);
      const start = dictionary !== undefined && dictionary < data ? dictionary : data;
      const length = i64(meta, META.totalCompressedSize)!;
      const index = decodeThriftStruct(bytes.subarray(Number(indexOffset), Number(indexOffset) + indexLength));
      if (index.end !== indexLength) return undefined;
      groupChunks.push({ pages: bytes.subarray(Number(start), Number(start + length)), start, metadata: column, offsetIndex: index.struct });
    }
    chunks.push(groupChunks);
  }
  return {
    footer,
    createdBy: createdBy instanceof Uint8Array ? new TextDecoder().decode(createdBy) : "",
    numRows: i64(footer, FILE.numRows)!,
    rowGroupRows: rowGroups.map((g) => i64(g, ROW_GROUP.numRows)!),
    chunks,
  };
};

const shift = (s: ThriftStruct, id: number, delta: bigint): void => {
  const field = thriftField(s, id);
  if (field !== undefined) field.value = (field.value as bigint) + delta;
};

/** The column of a chunk in the assembled file: which chunk (by row group) and under which name. */
export interface ChunkColumn {
  readonly name: string;
  /** The column's chunk in each row group of its file. */
  readonly chunks: readonly ColumnChunkBytes[];
}

/**
 * The bytes of the Parquet file whose columns are `columns` (in order), with the schema, key-value metadata and
 * the rest of the file's metadata of `skeleton` (the same writer's file of the same schema, e.g. without rows).
 * Every column's chunks must come from files with the row groups `rowGroupRows`.
 */
export function* assembleParquet(skeleton: ParquetLayout, rowGroupRows: readonly bigint[], columns: readonly ChunkColumn[]): Generator<Uint8Array> {
  yield MAGIC;
  let at = BigInt(MAGIC.length);
  const groups: ThriftStruct[] = [];
  const placed: { readonly metadata: ThriftStruct; readonly offsetIndex: ThriftStruct }[][] = [];
  for (let g = 0; g < rowGroupRows.length; g++) {
    const groupStart = at;
    let uncompressed = 0n;
    let compressed = 0n;
    const groupPlaced: { metadata: ThriftStruct; offsetIndex: ThriftStruct }[] = [];
    for (const column of columns) {
      const chunk = column.chunks[g]!;
      const delta = at - chunk.start;
      const metadata = cloneStruct(chunk.metadata);
      const meta = struct(metadata, CHUNK.metaData);
      setThriftField(meta, META.pathInSchema, ThriftType.LIST, { elementType: ThriftType.BINARY, items: [new TextEncoder().encode(column.name)] });
      shift(meta, META.dataPageOffset, delta);
      shift(meta, META.dictionaryPageOffset, delta);
      const offsetIndex = cloneStruct(chunk.offsetIndex);
      for (const location of list(offsetIndex, OFFSET_INDEX.pageLocations).items as ThriftStruct[]) shift(location, PAGE_LOCATION.offset, delta);
      uncompressed += i64(meta, META.totalUncompressedSize)!;
      compressed += i64(meta, META.totalCompressedSize)!;
      groupPlaced.push({ metadata, offsetIndex });
      yield chunk.pages;
      at += BigInt(chunk.pages.length);
    }
    const group: ThriftStruct = {
      fields: [
        { id: ROW_GROUP.columns, type: ThriftType.LIST, value: { elementType: ThriftType.STRUCT, items: groupPlaced.map((p) => p.metadata) } },
        { id: ROW_GROUP.totalByteSize, type: ThriftType.I64, value: uncompressed },
        { id: ROW_GROUP.numRows, type: ThriftType.I64, value: rowGroupRows[g]! },
        { id: ROW_GROUP.fileOffset, type: ThriftType.I64, value: groupStart },
        { id: ROW_GROUP.totalCompressedSize, type: ThriftType.I64, value: compressed },
        { id: ROW_GROUP.ordinal, type: ThriftType.I16, value: g },
      ],
    };
    groups.push(group);
    placed.push(groupPlaced);
  }
  for (const groupPlaced of placed) {
    for (const { metadata, offsetIndex } of groupPlaced) {
      const bytes = encodeThriftStruct(offsetIndex);
      setThriftField(metadata, CHUNK.offsetIndexOffset, ThriftType.I64, at);
      setThriftField(metadata, CHUNK.offsetIndexLength, ThriftType.I32, bytes.length);
      yield bytes;
      at += BigInt(bytes.length);
    }
  }
  const footer = cloneStruct(skeleton.footer);
  setThriftField(footer, FILE.numRows, ThriftType.I64, rowGroupRows.reduce((a, b) => a + b, 0n));
  setThriftField(footer, FILE.rowGroups, ThriftType.LIST, { elementType: ThriftType.STRUCT, items: groups });
  const footerBytes = encodeThriftStruct(footer);
  yield footerBytes;
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footerBytes.length, true);
  yield length;
  yield MAGIC;
}
