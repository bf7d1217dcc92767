/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, no undefined, finite numbers only,
 * -0 written as 0. Equal values always give equal strings, so digests of JSON documents are stable.
 */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export const canonicalJson = (value: unknown): string => {
  const parts: string[] = [];
  write(value, parts, "$");
  return parts.join("");
};

const write = (value: unknown, out: string[], path: string): void => {
  if (value === null) {
    out.push("null");
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: non-finite number at ${path}`);
    out.push(Object.is(value, -0) ? "0" : JSON.stringify(value));
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      if (item === undefined) throw new TypeError(`canonical JSON: undefined at ${path}[${i}]`);
      write(item, out, `${path}[${i}]`);
    });
    out.push("]");
  } else if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(record[key], out, `${path}.${key}`);
    });
    out.push("}");
  } else {
    throw new TypeError(`canonical JSON: unsupported ${typeof value} at ${path}`);
  }
};

export const canonicalJsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(canonicalJson(value));
