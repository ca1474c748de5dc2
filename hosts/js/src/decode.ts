// Decisions read back from the guest's memory: as JSON bytes (exactly what the Rust runtime
// writes: fields in declaration order, codes in declaration order, compact, serde_json's
// escaping, decimals in their canonical text) or as JS values (a decimal as that text, a
// string). The guest is not trusted: every offset, tag, enum index, code bit,
// date and string is checked, and a bad one is a `DecodeError` that fails the batch.

import type { Ty } from "./metadata.js";
import { ENTRY_VALUE_OFFSET, entryLayout } from "./metadata.js";
import type { Shape } from "./shape.js";
import { Bytes, compareBytes, jsonString } from "./json.js";
import { MAX_DAY, MIN_DAY, toCivil } from "./date.js";
import { decimalText } from "./decimal.js";

/** The most nested value read from a decision, counting records and lists. */
export const MAX_DEPTH = 128;

const enum K {
  Bool,
  Int,
  Date,
  Str,
  Enum,
  Codes,
  Opt,
  List,
  Rec,
  Map,
  Dec,
}

interface Field {
  name: string;
  prefix: Uint8Array;
  offset: number;
  node: Node;
}

interface Node {
  k: K;
  size: number;
  inner?: Node;
  innerOffset?: number;
  /** Enum variants or group codes, and their quoted JSON bytes. */
  names?: string[];
  quoted?: Uint8Array[];
  /** The enum's or group's name, for messages. */
  name?: string;
  fields?: Field[];
}

const enc = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Why bytes in the layout are not a value of their type. */
export class DecodeError {
  /** Makes an error with the Rust runtime's message. */
  constructor(readonly message: string) {}
}

function compile(shape: Shape, ty: Ty, cache: Map<number, Node>): Node {
  const size = shape.size(ty);
  if (ty === "bool") return { k: K.Bool, size };
  if (ty === "int") return { k: K.Int, size };
  if (ty === "decimal") return { k: K.Dec, size };
  if (ty === "date") return { k: K.Date, size };
  if (ty === "string") return { k: K.Str, size };
  if ("enum" in ty) {
    const e = shape.schema.enums[ty.enum];
    const names = e?.variants ?? [];
    return { k: K.Enum, size, names, name: e?.name ?? "", quoted: names.map((v) => enc.encode(jsonString(v))) };
  }
  if ("codes" in ty) {
    const g = shape.schema.groups[ty.codes];
    const names = (g?.codes ?? []).map((c) => c.code);
    return { k: K.Codes, size, names, name: g?.name ?? "", quoted: names.map((v) => enc.encode(jsonString(v))) };
  }
  if ("optional" in ty) {
    return { k: K.Opt, size, inner: compile(shape, ty.optional, cache), innerOffset: shape.align(ty.optional) };
  }
  if ("list" in ty) return { k: K.List, size, inner: compile(shape, ty.list, cache) };
  if ("map" in ty) {
    const inner = compile(shape, ty.map, cache);
    return { k: K.Map, size, inner, innerOffset: entryLayout({ size: inner.size, align: shape.align(ty.map) }).size };
  }
  const cached = cache.get(ty.record);
  if (cached) return cached;
  const node: Node = { k: K.Rec, size, fields: [] };
  cache.set(ty.record, node);
  const def = shape.schema.records[ty.record];
  const layout = shape.layout.records[ty.record];
  (def?.fields ?? []).forEach((f, i) => {
    const prefix = enc.encode(`${i === 0 ? "{" : ","}${jsonString(f.name)}:`);
    node.fields?.push({ name: f.name, prefix, offset: layout?.fields[i]?.offset ?? 0, node: compile(shape, f.ty, cache) });
  });
  return node;
}

const TRUE = enc.encode("true");
const FALSE = enc.encode("false");
const NULL = enc.encode("null");
const OPEN = enc.encode("{");
const HEX = enc.encode("0123456789abcdef");

/** Reads decisions of one schema from a memory. */
export class DecisionReader {
  private readonly root: Node;
  private mem: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private varBase = 0;
  private varLen = 0;
  private budget = 0;
  private depth = 0;
  private out: Bytes = new Bytes(1);

  constructor(shape: Shape) {
    this.root = compile(shape, shape.outputTy, new Map());
  }

  /** Points the reader at a memory whose variable area is `mem[varBase..varBase+varLen]`. */
  bind(mem: Uint8Array, varBase: number, varLen: number): void {
    this.mem = mem;
    this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    this.varBase = varBase;
    this.varLen = varLen;
  }

  /** Appends the output record at `at` to `out` as JSON; on a `DecodeError` `out` is unchanged. */
  writeJson(at: number, out: Bytes): void {
    const start = out.len;
    this.out = out;
    this.budget = this.varLen + (1 << 20);
    this.depth = 0;
    try {
      this.json(this.root, at);
    } catch (e) {
      out.len = start;
      throw e;
    }
  }

  /** The output record at `at` as a JS value. */
  value(at: number): unknown {
    this.budget = this.varLen + (1 << 20);
    this.depth = 0;
    return this.val(this.root, at);
  }

  private bad(message: string): never {
    throw new DecodeError(message);
  }

  private listRange(node: Node, at: number): [number, number, number] {
    const offset = this.dv.getUint32(at, true);
    const count = this.dv.getUint32(at + 4, true);
    const size = (node.inner as Node).size;
    if (count > this.budget) this.bad("lists hold more elements than the variable area can");
    this.budget -= count;
    if (count > 0 && offset + count * size > this.varLen) this.bad(`bytes ${offset}..+${count * size} lie outside their area`);
    if (++this.depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH} levels`);
    return [this.varBase + offset, count, size];
  }

  /** The entries of the map at `at` (where they start, their count, their size), after
   * checking that every key is greater than the one before (sorted, no key twice). */
  private mapRange(node: Node, at: number): [number, number, number] {
    const offset = this.dv.getUint32(at, true);
    const count = this.dv.getUint32(at + 4, true);
    const size = node.innerOffset as number;
    if (count > this.budget) this.bad("lists hold more elements than the variable area can");
    this.budget -= count;
    if (count > 0 && offset + count * size > this.varLen) this.bad(`bytes ${offset}..+${count * size} lie outside their area`);
    const base = this.varBase + offset;
    for (let i = 0; i < count; i++) {
      const at = base + i * size;
      this.text(at);
      if (i > 0) {
        const prev = at - size;
        const c = compareBytes(
          this.mem,
          this.varBase + this.dv.getUint32(prev, true),
          this.dv.getUint32(prev + 4, true),
          this.varBase + this.dv.getUint32(at, true),
          this.dv.getUint32(at + 4, true),
        );
        if (c >= 0) this.bad("map keys are not in increasing order");
      }
    }
    if (++this.depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH} levels`);
    return [base, count, size];
  }

  private codesBits(node: Node, at: number): [number, number] {
    const lo = this.dv.getUint32(at, true);
    const hi = this.dv.getUint32(at + 4, true);
    const n = (node.names as string[]).length;
    if (n < 64) {
      const over = n >= 32 ? hi >>> (n - 32) !== 0 : hi !== 0 || lo >>> n !== 0;
      if (over) {
        const top = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
        this.bad(`codes of \`${node.name}\` set bit ${top} of ${n}`);
      }
    }
    return [lo, hi];
  }

  private enumIndex(node: Node, at: number): number {
    const v = node.size === 1 ? (this.mem[at] as number) : this.dv.getUint32(at, true);
    if (v >= (node.names as string[]).length) this.bad(`enum \`${node.name}\` has no variant ${v}`);
    return v;
  }

  private dateDays(at: number): number {
    const d = this.dv.getInt32(at, true);
    if (d < MIN_DAY || d > MAX_DAY) this.bad(`date day number ${d} is out of range`);
    return d;
  }

  private byte(c: number): void {
    const out = this.out;
    if (out.len >= out.buf.length) out.reserve(1);
    out.buf[out.len++] = c;
  }

  private json(node: Node, at: number): void {
    const out = this.out;
    switch (node.k) {
      case K.Bool: {
        const b = this.mem[at] as number;
        if (b > 1) this.bad(`bool byte is ${b}`);
        out.push(b === 1 ? TRUE : FALSE);
        return;
      }
      case K.Int: {
        const lo = this.dv.getUint32(at, true);
        const hi = this.dv.getInt32(at + 4, true);
        if (hi >= -2097152 && hi < 2097152) this.writeInt(hi * 4294967296 + lo);
        else this.writeAscii(this.dv.getBigInt64(at, true).toString());
        return;
      }
      case K.Dec:
        // Every 64-bit pattern is a decimal: there is nothing to check.
        this.writeAscii(decimalText(this.dv.getBigInt64(at, true)));
        return;
      case K.Date: {
        const [y, m, d] = toCivil(this.dateDays(at));
        out.reserve(12);
        const b = out.buf;
        let p = out.len;
        b[p++] = 0x22;
        b[p++] = 0x30 + Math.floor(y / 1000);
        b[p++] = 0x30 + (Math.floor(y / 100) % 10);
        b[p++] = 0x30 + (Math.floor(y / 10) % 10);
        b[p++] = 0x30 + (y % 10);
        b[p++] = 0x2d;
        b[p++] = 0x30 + Math.floor(m / 10);
        b[p++] = 0x30 + (m % 10);
        b[p++] = 0x2d;
        b[p++] = 0x30 + Math.floor(d / 10);
        b[p++] = 0x30 + (d % 10);
        b[p++] = 0x22;
        out.len = p;
        return;
      }
      case K.Str:
        this.writeStr(at);
        return;
      case K.Enum:
        out.push((node.quoted as Uint8Array[])[this.enumIndex(node, at)] as Uint8Array);
        return;
      case K.Codes: {
        const [lo, hi] = this.codesBits(node, at);
        const quoted = node.quoted as Uint8Array[];
        this.byte(0x5b);
        let first = true;
        for (let i = 0; i < quoted.length; i++) {
          const set = i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1;
          if (!set) continue;
          if (!first) this.byte(0x2c);
          first = false;
          out.push(quoted[i] as Uint8Array);
        }
        this.byte(0x5d);
        return;
      }
      case K.Opt: {
        const tag = this.mem[at] as number;
        if (tag === 0) out.push(NULL);
        else if (tag === 1) this.json(node.inner as Node, at + (node.innerOffset as number));
        else this.bad(`optional tag is ${tag}`);
        return;
      }
      case K.List: {
        const [base, count, size] = this.listRange(node, at);
        this.byte(0x5b);
        for (let i = 0; i < count; i++) {
          if (i > 0) this.byte(0x2c);
          this.json(node.inner as Node, base + i * size);
        }
        this.byte(0x5d);
        this.depth--;
        return;
      }
      case K.Map: {
        const [base, count, size] = this.mapRange(node, at);
        this.byte(0x7b);
        for (let i = 0; i < count; i++) {
          if (i > 0) this.byte(0x2c);
          this.writeStr(base + i * size);
          this.byte(0x3a);
          this.json(node.inner as Node, base + i * size + ENTRY_VALUE_OFFSET);
        }
        this.byte(0x7d);
        this.depth--;
        return;
      }
      case K.Rec: {
        if (++this.depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH} levels`);
        const fields = node.fields as Field[];
        if (fields.length === 0) out.push(OPEN);
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i] as Field;
          out.push(f.prefix);
          this.json(f.node, at + f.offset);
        }
        this.byte(0x7d);
        this.depth--;
        return;
      }
    }
  }

  private writeAscii(s: string): void {
    const out = this.out;
    out.reserve(s.length);
    for (let i = 0; i < s.length; i++) out.buf[out.len++] = s.charCodeAt(i);
  }

  private writeInt(v0: number): void {
    const out = this.out;
    out.reserve(21);
    let v = v0;
    if (v < 0) {
      out.buf[out.len++] = 0x2d;
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = out.len + digits;
    out.len = p;
    do {
      out.buf[--p] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    } while (--digits > 0);
  }

  private writeStr(at: number): void {
    const offset = this.dv.getUint32(at, true);
    const len = this.dv.getUint32(at + 4, true);
    const out = this.out;
    if (len === 0) {
      this.byte(0x22);
      this.byte(0x22);
      return;
    }
    if (offset + len > this.varLen) this.bad(`bytes ${offset}..+${len} lie outside their area`);
    const start = this.varBase + offset;
    const end = start + len;
    const mem = this.mem;
    out.reserve(len * 6 + 2);
    const b = out.buf;
    let p = out.len;
    b[p++] = 0x22;
    let high = false;
    for (let i = start; i < end; i++) {
      const c = mem[i] as number;
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        if (c >= 0x80) high = true;
        b[p++] = c;
        continue;
      }
      b[p++] = 0x5c;
      switch (c) {
        case 0x22: b[p++] = 0x22; break;
        case 0x5c: b[p++] = 0x5c; break;
        case 0x0a: b[p++] = 0x6e; break;
        case 0x0d: b[p++] = 0x72; break;
        case 0x09: b[p++] = 0x74; break;
        case 0x08: b[p++] = 0x62; break;
        case 0x0c: b[p++] = 0x66; break;
        default:
          b[p++] = 0x75;
          b[p++] = 0x30;
          b[p++] = 0x30;
          b[p++] = HEX[c >> 4] as number;
          b[p++] = HEX[c & 15] as number;
      }
    }
    if (high && utf8ValidUpTo(mem, start, end) >= 0) this.bad("string is not UTF-8");
    b[p++] = 0x22;
    out.len = p;
  }

  private text(at: number): string {
    const offset = this.dv.getUint32(at, true);
    const len = this.dv.getUint32(at + 4, true);
    if (len === 0) return "";
    if (offset + len > this.varLen) this.bad(`bytes ${offset}..+${len} lie outside their area`);
    const start = this.varBase + offset;
    if (utf8ValidUpTo(this.mem, start, start + len) >= 0) this.bad("string is not UTF-8");
    return utf8.decode(this.mem.subarray(start, start + len));
  }

  private val(node: Node, at: number): unknown {
    switch (node.k) {
      case K.Bool: {
        const b = this.mem[at] as number;
        if (b > 1) this.bad(`bool byte is ${b}`);
        return b === 1;
      }
      case K.Int: {
        const v = this.dv.getBigInt64(at, true);
        return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      }
      case K.Dec:
        return decimalText(this.dv.getBigInt64(at, true));
      case K.Date: {
        const [y, m, d] = toCivil(this.dateDays(at));
        return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      }
      case K.Str:
        return this.text(at);
      case K.Enum:
        return (node.names as string[])[this.enumIndex(node, at)];
      case K.Codes: {
        const [lo, hi] = this.codesBits(node, at);
        return (node.names as string[]).filter((_, i) => (i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1));
      }
      case K.Opt: {
        const tag = this.mem[at] as number;
        if (tag === 0) return null;
        if (tag === 1) return this.val(node.inner as Node, at + (node.innerOffset as number));
        return this.bad(`optional tag is ${tag}`);
      }
      case K.List: {
        const [base, count, size] = this.listRange(node, at);
        const items = new Array<unknown>(count);
        for (let i = 0; i < count; i++) items[i] = this.val(node.inner as Node, base + i * size);
        this.depth--;
        return items;
      }
      case K.Map: {
        const [base, count, size] = this.mapRange(node, at);
        // Keys are data: defined as own properties, so `__proto__` is a key like any other.
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) {
          const value = this.val(node.inner as Node, base + i * size + ENTRY_VALUE_OFFSET);
          Object.defineProperty(obj, this.text(base + i * size), {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        this.depth--;
        return obj;
      }
      case K.Rec: {
        if (++this.depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH} levels`);
        const obj: Record<string, unknown> = {};
        for (const f of node.fields as Field[]) obj[f.name] = this.val(f.node, at + f.offset);
        this.depth--;
        return obj;
      }
    }
  }
}

/** Where the first invalid UTF-8 sequence of `b[start..end]` begins, relative to `start`, as
 * Rust's `Utf8Error::valid_up_to`; -1 when all of it is valid. */
export function utf8ValidUpTo(b: Uint8Array, start: number, end: number): number {
  // ASCII runs are skipped a 4-byte word at a time through a view of the same memory.
  const base = b.byteOffset;
  const words = new Uint32Array(b.buffer, base - (base % 4), ((base % 4) + b.length) >>> 2);
  const shift = base % 4;
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      if (((i + shift) & 3) === 0) {
        while (i + 4 <= end && ((words[(i + shift) >>> 2] as number) & 0x80808080) === 0) i += 4;
      }
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i - start;
    for (let k = 1; k <= need; k++) {
      const d = i + k < end ? (b[i + k] as number) : -1;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (d < min || d > max) return i - start;
    }
    i += need + 1;
  }
  return -1;
}
