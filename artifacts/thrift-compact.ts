/**
 * Thrift's compact protocol, generically: a struct decodes into its fields in the order they were written, and
 * encoding writes them back the way the Rust thrift writer does (field-id deltas of 1..15 in the header byte, else
 * the long form), so decode then encode gives the same bytes. Parquet's footer and page indexes are such structs.
 */

/** Compact-protocol type codes (bool fields carry their value in the type: TRUE = 1, FALSE = 2). */
export const ThriftType = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftList | ThriftStruct;

export interface ThriftList {
  readonly elementType: number;
  readonly items: ThriftValue[];
}

export interface ThriftField {
  readonly id: number;
  readonly type: number;
  value: ThriftValue;
}

export interface ThriftStruct {
  readonly fields: ThriftField[];
}

class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    at: number,
  ) {
    this.at = at;
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error("thrift struct runs past the end of its bytes");
    return this.bytes[this.at++]!;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  value(type: number): ThriftValue {
    switch (type) {
      case ThriftType.TRUE:
        return true;
      case ThriftType.FALSE:
        return false;
      case ThriftType.BYTE:
        return (this.byte() << 24) >> 24;
      case ThriftType.I16:
      case ThriftType.I32:
        return Number(this.zigzag());
      case ThriftType.I64:
        return this.zigzag();
      case ThriftType.DOUBLE: {
        const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8);
        this.at += 8;
        return view.getFloat64(0, true);
      }
      case ThriftType.BINARY: {
        const length = Number(this.varint());
        const out = this.bytes.subarray(this.at, this.at + length);
        this.at += length;
        return out;
      }
      case ThriftType.LIST:
      case ThriftType.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const elementType = header & 0x0f;
        const items: ThriftValue[] = [];
        // Bools inside a list are whole bytes (1 = true), not field types.
        for (let i = 0; i < size; i++) items.push(elementType === ThriftType.TRUE || elementType === ThriftType.FALSE ? this.byte() === 1 : this.value(elementType));
        return { elementType, items };
      }
      case ThriftType.STRUCT:
        return this.struct();
      default:
        throw new Error(`unsupported thrift compact type ${type} (maps are not used by Parquet metadata)`);
    }
  }

  struct(): ThriftStruct {
    const fields: ThriftField[] = [];
    let id = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return { fields };
      const type = header & 0x0f;
      const delta = header >> 4;
      id = delta !== 0 ? id + delta : Number(this.zigzag());
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

/** Decodes the struct starting at `offset`; `end` is where its bytes stop. */
export const decodeThriftStruct = (bytes: Uint8Array, offset = 0): { readonly struct: ThriftStruct; readonly end: number } => {
  const reader = new Reader(bytes, offset);
  const struct = reader.struct();
  return { struct, end: reader.at };
};

class Writer {
  private buffer = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }

  varint(v: bigint): void {
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  zigzag(v: bigint): void {
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }

  value(type: number, value: ThriftValue): void {
    switch (type) {
      case ThriftType.TRUE:
      case ThriftType.FALSE:
        return;
      case ThriftType.BYTE:
        return this.byte(value as number);
      case ThriftType.I16:
      case ThriftType.I32:
        return this.zigzag(BigInt(value as number));
      case ThriftType.I64:
        return this.zigzag(value as bigint);
      case ThriftType.DOUBLE: {
        const out = new Uint8Array(8);
        new DataView(out.buffer).setFloat64(0, value as number, true);
        return this.bytes(out);
      }
      case ThriftType.BINARY:
        this.varint(BigInt((value as Uint8Array).length));
        return this.bytes(value as Uint8Array);
      case ThriftType.LIST:
      case ThriftType.SET: {
        const { elementType, items } = value as ThriftList;
        if (items.length < 15) this.byte((items.length << 4) | elementType);
        else {
          this.byte(0xf0 | elementType);
          this.varint(BigInt(items.length));
        }
        for (const item of items) {
          if (elementType === ThriftType.TRUE || elementType === ThriftType.FALSE) this.byte(item ? 1 : 2);
          else this.value(elementType, item);
        }
        return;
      }
      case ThriftType.STRUCT:
        return this.struct(value as ThriftStruct);
      default:
        throw new Error(`unsupported thrift compact type ${type}`);
    }
  }

  struct(s: ThriftStruct): void {
    let last = 0;
    for (const field of s.fields) {
      const type = field.type === ThriftType.TRUE || field.type === ThriftType.FALSE ? (field.value ? ThriftType.TRUE : ThriftType.FALSE) : field.type;
      const delta = field.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(field.id));
      }
      this.value(type, field.value);
      last = field.id;
    }
    this.byte(0);
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export const encodeThriftStruct = (s: ThriftStruct): Uint8Array => {
  const writer = new Writer();
  writer.struct(s);
  return writer.result();
};

/** The field with this id, if the struct has it. */
export const thriftField = (s: ThriftStruct, id: number): ThriftField | undefined => s.fields.find((f) => f.id === id);

/** Sets (or adds, in id order) a field's value. */
export const setThriftField = (s: ThriftStruct, id: number, type: number, value: ThriftValue): void => {
  const existing = thriftField(s, id);
  if (existing !== undefined) {
    existing.value = value;
    return;
  }
  const at = s.fields.findIndex((f) => f.id > id);
  s.fields.splice(at < 0 ? s.fields.length : at, 0, { id, type, value });
};
