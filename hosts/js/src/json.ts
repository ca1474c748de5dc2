// A schema-driven JSON reader over UTF-8 bytes that writes records straight into the input
// layout of a batch, without building JS values. It accepts and rejects exactly what the Rust
// runtime's encoder (serde_json driven by the schema) does, with the same error path and
// message, down to serde_json's syntax messages and their byte columns; ints are read from
// their digits, so every 64-bit value is exact, and decimals from their number text, never
// through a double.

import type { RecordError } from "./errors.js";
import type { Schema, Ty } from "./metadata.js";
import { Kind, type Shape, type TyInfo } from "./shape.js";
import { parseDate } from "./date.js";
import { ENTRY_VALUE_OFFSET } from "./metadata.js";
import { decimalMessage, parseDecimal } from "./decimal.js";

/** The most nested JSON a record may have, along the policy's types. */
export const MAX_JSON_DEPTH = 64;
/** The longest string value, in bytes of UTF-8. */
export const MAX_STRING_BYTES = 1 << 20;
/** The most elements one list may hold. */
export const MAX_LIST_ITEMS = 1 << 16;

const MSG = {
  eofList: "EOF while parsing a list",
  eofObject: "EOF while parsing an object",
  eofString: "EOF while parsing a string",
  eofValue: "EOF while parsing a value",
  colon: "expected `:`",
  listCommaOrEnd: "expected `,` or `]`",
  objectCommaOrEnd: "expected `,` or `}`",
  ident: "expected ident",
  value: "expected value",
  escape: "invalid escape",
  number: "invalid number",
  range: "number out of range",
  control: "control character (\\u0000-\\u001F) found while parsing a string",
  keyString: "key must be a string",
  loneSurrogate: "lone leading surrogate in hex escape",
  trailingComma: "trailing comma",
  trailing: "trailing characters",
  hexEnd: "unexpected end of hex escape",
} as const;

/** A JSON syntax error on its way to the innermost value being read. */
class Syntax {
  constructor(readonly message: string) {}
}
/** Unwinds after the record's first error has been recorded. */
export const STOP = { stop: true };

const U64_MAX = 18446744073709551615n;
const I64_MAX = 9223372036854775807n;
const POW10: number[] = Array.from({ length: 309 }, (_, i) => Number(`1e${i}`));
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Rust's `Display` of an `f64`: the shortest digits that round-trip, never an exponent. */
export function rustF64(v: number): string {
  if (Object.is(v, -0)) return "-0";
  if (v === 0) return "0";
  const sign = v < 0 ? "-" : "";
  const [mant, expText] = Math.abs(v).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp >= 0) {
    if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length);
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** Quotes `s` as JSON for an error message, cut to its first 64 characters. */
export function quoted(s: string): string {
  const chars = Array.from(s);
  const shown = chars.length > 64 ? chars.slice(0, 64).join("") : s;
  return jsonString(shown) + (chars.length > 64 ? "..." : "");
}

/** `s` as a JSON string literal, escaped exactly as serde_json escapes. */
export function jsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += "\\\\"; break;
      case 0x0a: out += "\\n"; break;
      case 0x0d: out += "\\r"; break;
      case 0x09: out += "\\t"; break;
      case 0x08: out += "\\b"; break;
      case 0x0c: out += "\\f"; break;
      default: out += "\\u00" + c.toString(16).padStart(2, "0");
    }
  }
  return out + s.slice(start) + '"';
}

/** Names the JSON a value of type `ty` is written as, for "expected ..." messages. */
export function describe(schema: Schema, ty: Ty): string {
  if (typeof ty === "string") return ty === "date" ? "date (YYYY-MM-DD)" : ty;
  if ("enum" in ty) {
    const e = schema.enums[ty.enum];
    return e ? `one of ${e.variants.join(", ")}` : "enum";
  }
  if ("record" in ty || "map" in ty) return "object";
  if ("list" in ty) return "list";
  if ("codes" in ty) return "list of codes";
  return `${describe(schema, ty.optional)} or null`;
}

/** A growable byte buffer. */
export class Bytes {
  /** The storage; bytes past `len` are not part of the content. */
  buf: Uint8Array;
  /** Bytes of content. */
  len = 0;
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }
  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  /** Appends `n` zero bytes; returns where they start. */
  zeros(n: number): number {
    if (this.len + n > this.buf.length) this.reserve(n);
    const at = this.len;
    const buf = this.buf;
    if (n <= 32) for (let i = at; i < at + n; i++) buf[i] = 0;
    else buf.fill(0, at, at + n);
    this.len += n;
    return at;
  }
  /** Appends bytes. */
  push(bytes: Uint8Array, from = 0, to = bytes.length): void {
    const n = to - from;
    if (this.len + n > this.buf.length) this.reserve(n);
    if (n <= 32) {
      // Short copies (field names, small strings) are faster by hand than through a view.
      const buf = this.buf;
      let p = this.len;
      for (let i = from; i < to; i++) buf[p++] = bytes[i] as number;
      this.len = p;
      return;
    }
    this.buf.set(bytes.subarray(from, to), this.len);
    this.len += n;
  }
}

/** A map entry in a path, by its key. */
export interface KeySeg {
  /** The key. */
  key: string;
}

/** Per-record path segments: a field name, a list index or a map entry. */
export type Seg = string | number | KeySeg;

/** A path such as `products[1].mode` or `seats["E5"]` from its segments, with `extra` (a
 * field) appended. */
export function pathString(path: Seg[], extra: string | null): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "object") out += `[${jsonString(seg.key)}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  if (extra !== null) out += out === "" ? extra : `.${extra}`;
  return out;
}

/** Writes a 64-bit int little-endian at `at` (a `number` must be a safe integer). */
export function writeI64(buf: Uint8Array, at: number, v: number | bigint): void {
  let lo: number;
  let hi: number;
  if (typeof v === "number") {
    lo = v >>> 0;
    hi = Math.floor(v / 4294967296) >>> 0;
  } else {
    const u = BigInt.asUintN(64, v);
    lo = Number(u & 0xffffffffn);
    hi = Number(u >> 32n);
  }
  buf[at] = lo;
  buf[at + 1] = lo >>> 8;
  buf[at + 2] = lo >>> 16;
  buf[at + 3] = lo >>> 24;
  buf[at + 4] = hi;
  buf[at + 5] = hi >>> 8;
  buf[at + 6] = hi >>> 16;
  buf[at + 7] = hi >>> 24;
}

/** Writes a `u32` little-endian at `at`. */
export function writeU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v;
  buf[at + 1] = v >>> 8;
  buf[at + 2] = v >>> 16;
  buf[at + 3] = v >>> 24;
}

/** JSON text to the input layout of a batch: records in one buffer, strings and list elements
 * in the variable area, as the ABI defines. */
export class BatchEncoder {
  /** The input area so far. */
  readonly records = new Bytes(1 << 16);
  /** The variable area so far. */
  readonly vars = new Bytes(1 << 16);
  /** Records in the batch. */
  count = 0;
  protected readonly stage = new Bytes(1 << 12);
  protected path: Seg[] = [];
  protected seen: Uint8Array = new Uint8Array(64);
  protected seenLen = 0;
  protected error: RecordError | null = null;
  // The text being read.
  private b: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private start = 0;
  private end = 0;
  // The last string read: either a slice of the text or the scratch buffer.
  private readonly scratch = new Bytes(256);
  private strBuf: Uint8Array = new Uint8Array(0);
  private strStart = 0;
  private strEnd = 0;
  /** Where the value being visited goes (see `present`). */
  protected valueAt = 0;
  /** The last number read, as serde_json hands it to a visitor. */
  private numKind: "u64" | "i64" | "f64" = "u64";
  private numValue: number | bigint = 0;

  constructor(readonly shape: Shape) {}

  /** Empties the batch, keeping its buffers. */
  clear(): void {
    this.records.len = 0;
    this.vars.len = 0;
    this.count = 0;
  }

  /** Bytes of both areas. */
  encodedLen(): number {
    return this.records.len + this.vars.len;
  }

  /** Appends the record in `bytes[start..end]` (UTF-8 JSON of the input type). On error the
   * batch is unchanged and the error is returned. */
  pushJson(bytes: Uint8Array, start: number, end: number): RecordError | null {
    const varsLen = this.vars.len;
    const size = this.shape.layout.input_size;
    this.stage.len = 0;
    this.stage.zeros(size);
    this.path.length = 0;
    this.seenLen = 0;
    this.error = null;
    this.b = bytes;
    this.pos = start;
    this.start = start;
    this.end = end;
    try {
      this.seed(this.shape.inputInfo, 0);
      // Trailing characters.
      if (this.skipWs() < this.end) throw new Syntax(this.peekMsg(MSG.trailing));
    } catch (e) {
      this.vars.len = varsLen;
      if (this.error !== null) return this.error;
      if (e instanceof Syntax) return { path: "", message: `invalid JSON: ${e.message}` };
      throw e;
    }
    this.records.push(this.stage.buf, 0, size);
    this.count++;
    return null;
  }

  /** The key field of record `i` when it is a present string, for error reports. */
  key(i: number): string | null {
    const k = this.shape.keyField;
    if (k === null) return null;
    const base = i * this.shape.layout.input_size + k.offset;
    const r = this.records.buf;
    let at = base;
    if (k.optional) {
      if (r[base] !== 1) return null;
      at = base + 4;
    }
    const dv = new DataView(r.buffer, r.byteOffset);
    const off = dv.getUint32(at, true);
    const len = dv.getUint32(at + 4, true);
    return utf8.decode(this.vars.buf.subarray(off, off + len));
  }

  // --- errors -------------------------------------------------------------------------------

  private col(index: number): string {
    return `at line 1 column ${index - this.start}`;
  }
  /** serde_json's `error`: the position after the last byte read. */
  private errMsg(m: string): string {
    return `${m} ${this.col(this.pos)}`;
  }
  /** serde_json's `peek_error`: one byte further, capped at the end. */
  private peekMsg(m: string): string {
    return `${m} ${this.col(Math.min(this.end, this.pos + 1))}`;
  }
  protected fail(extra: string | null, message: string): never {
    if (this.error === null) this.error = { path: pathString(this.path, extra), message };
    throw STOP;
  }
  protected mismatch(ty: TyInfo, found: string): never {
    this.fail(null, `expected ${describe(this.shape.schema, ty.ty)}, found ${found}`);
  }

  // --- the reader ---------------------------------------------------------------------------

  private skipWs(): number {
    const b = this.b;
    let p = this.pos;
    while (p < this.end) {
      const c = b[p] as number;
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) p++;
      else break;
    }
    this.pos = p;
    return p;
  }

  /** One value of type `ty` written at `at` in the stage; syntax errors inside are pinned to
   * this value's path. */
  private seed(ty: TyInfo, at: number): void {
    const depth = this.path.length;
    if (depth > MAX_JSON_DEPTH) this.fail(null, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      this.any(ty, at);
    } catch (e) {
      this.path.length = depth;
      if (e instanceof Syntax && this.error === null) {
        this.error = { path: pathString(this.path, null), message: `invalid JSON: ${e.message}` };
      }
      throw e;
    }
  }

  /** Marks an optional present: the type of its value; where it goes is left in `valueAt`. */
  protected present(ty: TyInfo, at: number): TyInfo {
    if (ty.kind === Kind.Optional) {
      const inner = ty.inner as TyInfo;
      this.stage.buf[at] = 1;
      this.valueAt = at + inner.align;
      return inner;
    }
    this.valueAt = at;
    return ty;
  }

  private any(ty: TyInfo, at: number): void {
    if (ty.kind === Kind.Decimal || (ty.kind === Kind.Optional && (ty.inner as TyInfo).kind === Kind.Decimal)) {
      return this.visitDecimal(ty, at);
    }
    const p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofValue));
    const c = this.b[p] as number;
    switch (c) {
      case 0x6e: // n
        this.pos++;
        this.ident("ull");
        if (ty.kind === Kind.Optional) return;
        this.mismatch(ty, "null");
      // eslint-disable-next-line no-fallthrough
      case 0x74: // t
        this.pos++;
        this.ident("rue");
        return this.visitBool(ty, at, true);
      case 0x66: // f
        this.pos++;
        this.ident("alse");
        return this.visitBool(ty, at, false);
      case 0x2d: // -
        this.pos++;
        this.number(false);
        return this.visitNumber(ty, at);
      case 0x22: // "
        this.pos++;
        this.string();
        return this.visitStr(ty, at);
      case 0x5b: // [
        this.pos++;
        this.visitSeq(ty, at);
        this.endSeq();
        return;
      case 0x7b: // {
        this.pos++;
        this.visitMap(ty, at);
        this.endMap();
        return;
      default:
        if (c >= 0x30 && c <= 0x39) {
          this.number(true);
          return this.visitNumber(ty, at);
        }
        throw new Syntax(this.peekMsg(MSG.value));
    }
  }

  private ident(rest: string): void {
    for (let i = 0; i < rest.length; i++) {
      if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofValue));
      const next = this.b[this.pos++];
      if (next !== rest.charCodeAt(i)) throw new Syntax(this.errMsg(MSG.ident));
    }
  }

  private visitBool(ty: TyInfo, at0: number, v: boolean): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind !== Kind.Bool) this.mismatch(ty, v ? "true" : "false");
    this.stage.buf[at] = v ? 1 : 0;
  }

  /** A `decimal` or `decimal?`, as the Rust runtime reads one: the raw text of any JSON value
   * (syntax checked as serde_json's `RawValue` does, without reading a number as a double),
   * then a number's text exactly, or a mismatch naming the value's kind. */
  private visitDecimal(ty: TyInfo, at0: number): void {
    const start = this.skipWs();
    this.ignoreValue();
    const c = this.b[start] as number;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // A number that passed the grammar is ASCII: no decoder needed for a few bytes.
      let text = "";
      for (let i = start; i < this.pos; i++) text += String.fromCharCode(this.b[i] as number);
      const units = parseDecimal(text);
      if (typeof units !== "bigint") this.fail(null, decimalMessage(units, text));
      this.present(ty, at0);
      writeI64(this.stage.buf, this.valueAt, units);
      return;
    }
    if (c === 0x6e && ty.kind === Kind.Optional) return;
    const found = c === 0x6e ? "null" : c === 0x74 ? "true" : c === 0x66 ? "false" : c === 0x22 ? "string" : c === 0x5b ? "list" : "object";
    this.mismatch(ty, found);
  }

  private visitNumber(ty: TyInfo, at0: number): void {
    const kind = this.numKind;
    const value = this.numValue;
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (kind === "f64") {
      const v = value as number;
      if (t.kind !== Kind.Int || !Number.isFinite(v) || v % 1 !== 0) this.mismatch(ty, `number ${rustF64(v)}`);
      // 2^63: whole doubles from there on are outside the int range (docs/abi.md).
      if (Math.abs(v) >= 9223372036854775808) this.fail(null, "number is outside the 64-bit int range");
      this.fail(null, "expected an int written without a fraction or exponent");
    }
    if (t.kind !== Kind.Int) this.mismatch(ty, `number ${value}`);
    if (kind === "u64" && typeof value === "bigint" && value > I64_MAX) {
      this.fail(null, `${value} does not fit in a 64-bit int`);
    }
    writeI64(this.stage.buf, at, value);
  }

  /** serde_json's number grammar and errors; the value as its visitor receives it. */
  private number(positive: boolean): void {
    const b = this.b;
    if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofValue));
    const first = b[this.pos++] as number;
    if (first === 0x30) {
      const c = this.pos < this.end ? (b[this.pos] as number) : 0;
      if (c >= 0x30 && c <= 0x39) throw new Syntax(this.peekMsg(MSG.number));
      return this.afterInteger(positive, 0);
    }
    if (first < 0x31 || first > 0x39) throw new Syntax(this.errMsg(MSG.number));
    // Digits while the value stays exact as a double, then BigInt.
    let small = first - 0x30;
    let p = this.pos;
    while (p < this.end) {
      const c = b[p] as number;
      if (c < 0x30 || c > 0x39 || small >= 900719925474099) break;
      small = small * 10 + (c - 0x30);
      p++;
    }
    this.pos = p;
    let big: bigint | null = null;
    while (this.pos < this.end) {
      const c = b[this.pos] as number;
      if (c < 0x30 || c > 0x39) break;
      const next: bigint = (big ?? BigInt(small)) * 10n + BigInt(c - 0x30);
      if (next > U64_MAX) return this.num("f64", this.longInteger(positive, big ?? BigInt(small)));
      big = next;
      this.pos++;
    }
    return this.afterInteger(positive, big ?? small);
  }

  private peekByte(): number {
    return this.pos < this.end ? (this.b[this.pos] as number) : 0;
  }

  private num(kind: "u64" | "i64" | "f64", value: number | bigint): void {
    this.numKind = kind;
    this.numValue = value;
  }

  private afterInteger(positive: boolean, significand: number | bigint): void {
    const c = this.peekByte();
    if (c === 0x2e) return this.num("f64", this.decimal(positive, BigInt(significand), 0));
    if (c === 0x65 || c === 0x45) return this.num("f64", this.exponent(positive, BigInt(significand), 0));
    if (positive) return this.num("u64", significand);
    // Negative: an i64 unless it underflows or is -0, then a float.
    if (significand === 0 || significand === 0n) return this.num("f64", -0);
    if (typeof significand === "number") return this.num("i64", -significand);
    if (significand <= I64_MAX + 1n) return this.num("i64", -significand);
    return this.num("f64", -Number(significand));
  }

  private longInteger(positive: boolean, significand: bigint): number {
    let exponent = 0;
    for (;;) {
      const c = this.peekByte();
      if (c >= 0x30 && c <= 0x39) {
        this.pos++;
        exponent++;
      } else if (c === 0x2e) {
        return this.decimal(positive, significand, exponent);
      } else if (c === 0x65 || c === 0x45) {
        return this.exponent(positive, significand, exponent);
      } else {
        return this.fromParts(positive, significand, exponent);
      }
    }
  }

  private decimal(positive: boolean, significand0: bigint, before: number): number {
    this.pos++; // '.'
    let significand = significand0;
    let after = 0;
    for (;;) {
      const c = this.peekByte();
      if (c < 0x30 || c > 0x39) break;
      const next = significand * 10n + BigInt(c - 0x30);
      if (next > U64_MAX) {
        // Ignore further digits.
        while (this.peekByte() >= 0x30 && this.peekByte() <= 0x39) this.pos++;
        const e = this.peekByte();
        if (e === 0x65 || e === 0x45) return this.exponent(positive, significand, before + after);
        return this.fromParts(positive, significand, before + after);
      }
      this.pos++;
      significand = next;
      after--;
    }
    if (after === 0) {
      throw new Syntax(this.peekMsg(this.pos < this.end ? MSG.number : MSG.eofValue));
    }
    const e = this.peekByte();
    if (e === 0x65 || e === 0x45) return this.exponent(positive, significand, before + after);
    return this.fromParts(positive, significand, before + after);
  }

  private exponent(positive: boolean, significand: bigint, starting: number): number {
    this.pos++; // 'e'
    let positiveExp = true;
    const sign = this.peekByte();
    if (sign === 0x2b) this.pos++;
    else if (sign === 0x2d) {
      this.pos++;
      positiveExp = false;
    }
    if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofValue));
    const first = this.b[this.pos++] as number;
    if (first < 0x30 || first > 0x39) throw new Syntax(this.errMsg(MSG.number));
    let exp = first - 0x30;
    for (;;) {
      const c = this.peekByte();
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
      const digit = c - 0x30;
      if (exp * 10 + digit > 2147483647) {
        if (significand !== 0n && positiveExp) throw new Syntax(this.errMsg(MSG.range));
        while (this.peekByte() >= 0x30 && this.peekByte() <= 0x39) this.pos++;
        return positive ? 0 : -0;
      }
      exp = exp * 10 + digit;
    }
    const clamp = (v: number): number => Math.max(-2147483648, Math.min(2147483647, v));
    return this.fromParts(positive, significand, clamp(positiveExp ? starting + exp : starting - exp));
  }

  /** serde_json's float assembly (without `float_roundtrip`): the significand as a double,
   * scaled by a power of ten from its table. */
  private fromParts(positive: boolean, significand: bigint, exponent0: number): number {
    let f = Number(significand);
    let exponent = exponent0;
    for (;;) {
      const pow = exponent === -2147483648 ? undefined : POW10[Math.abs(exponent)];
      if (pow !== undefined) {
        if (exponent >= 0) {
          f *= pow;
          if (!Number.isFinite(f)) throw new Syntax(this.errMsg(MSG.range));
        } else {
          f /= pow;
        }
        break;
      }
      if (f === 0) break;
      if (exponent >= 0) throw new Syntax(this.errMsg(MSG.range));
      f /= 1e308;
      exponent += 308;
    }
    return positive ? f : -f;
  }

  /** Reads a string after its opening quote; its UTF-8 bytes are left in `strBuf[strStart..strEnd]`. */
  private string(): void {
    const b = this.b;
    let p = this.pos;
    const end = this.end;
    const start = p;
    // Fast path: no escapes.
    while (p < end) {
      const c = b[p] as number;
      if (c === 0x22) {
        this.strBuf = b;
        this.strStart = start;
        this.strEnd = p;
        this.pos = p + 1;
        return;
      }
      if (c === 0x5c || c < 0x20) break;
      p++;
    }
    const s = this.scratch;
    s.len = 0;
    let from = start;
    for (;;) {
      while (p < end) {
        const c = b[p] as number;
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        p++;
      }
      if (p >= end) {
        this.pos = end;
        throw new Syntax(this.errMsg(MSG.eofString));
      }
      const c = b[p] as number;
      if (c === 0x22) {
        s.push(b, from, p);
        this.pos = p + 1;
        this.strBuf = s.buf;
        this.strStart = 0;
        this.strEnd = s.len;
        return;
      }
      if (c === 0x5c) {
        s.push(b, from, p);
        this.pos = p + 1;
        this.escape(s);
        p = this.pos;
        from = p;
        continue;
      }
      this.pos = p + 1;
      throw new Syntax(this.errMsg(MSG.control));
    }
  }

  private escape(s: Bytes | null): void {
    if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofString));
    const ch = this.b[this.pos++] as number;
    let out = -1;
    switch (ch) {
      case 0x22: out = 0x22; break;
      case 0x5c: out = 0x5c; break;
      case 0x2f: out = 0x2f; break;
      case 0x62: out = 0x08; break;
      case 0x66: out = 0x0c; break;
      case 0x6e: out = 0x0a; break;
      case 0x72: out = 0x0d; break;
      case 0x74: out = 0x09; break;
      case 0x75:
        return this.unicodeEscape(s);
      default:
        throw new Syntax(this.errMsg(MSG.escape));
    }
    if (s) {
      s.reserve(1);
      s.buf[s.len++] = out;
    }
  }

  private hex4(): number {
    if (this.end - this.pos < 4) {
      this.pos = this.end;
      throw new Syntax(this.errMsg(MSG.eofString));
    }
    let v = 0;
    let ok = true;
    for (let i = 0; i < 4; i++) {
      const c = this.b[this.pos + i] as number;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) ok = false;
      v = v * 16 + d;
    }
    this.pos += 4;
    if (!ok) throw new Syntax(this.errMsg(MSG.escape));
    return v;
  }

  private unicodeEscape(s: Bytes | null): void {
    const n = this.hex4();
    if (s === null) return; // ignoring: any four hex digits will do
    if (n >= 0xdc00 && n <= 0xdfff) throw new Syntax(this.errMsg(MSG.loneSurrogate));
    let cp = n;
    if (n >= 0xd800 && n <= 0xdbff) {
      if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofString));
      if (this.b[this.pos] !== 0x5c) {
        this.pos++;
        throw new Syntax(this.errMsg(MSG.hexEnd));
      }
      this.pos++;
      if (this.pos >= this.end) throw new Syntax(this.errMsg(MSG.eofString));
      if (this.b[this.pos] !== 0x75) {
        this.pos++;
        throw new Syntax(this.errMsg(MSG.hexEnd));
      }
      this.pos++;
      const n2 = this.hex4();
      if (n2 < 0xdc00 || n2 > 0xdfff) throw new Syntax(this.errMsg(MSG.loneSurrogate));
      cp = ((n - 0xd800) << 10) + (n2 - 0xdc00) + 0x10000;
    }
    s.reserve(4);
    const buf = s.buf;
    if (cp < 0x80) buf[s.len++] = cp;
    else if (cp < 0x800) {
      buf[s.len++] = 0xc0 | (cp >> 6);
      buf[s.len++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      buf[s.len++] = 0xe0 | (cp >> 12);
      buf[s.len++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[s.len++] = 0x80 | (cp & 0x3f);
    } else {
      buf[s.len++] = 0xf0 | (cp >> 18);
      buf[s.len++] = 0x80 | ((cp >> 12) & 0x3f);
      buf[s.len++] = 0x80 | ((cp >> 6) & 0x3f);
      buf[s.len++] = 0x80 | (cp & 0x3f);
    }
  }

  private strText(): string {
    return utf8.decode(this.strBuf.subarray(this.strStart, this.strEnd));
  }

  private visitStr(ty: TyInfo, at0: number): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    const len = this.strEnd - this.strStart;
    if (t.kind === Kind.Str) {
      if (len === 0) return;
      if (len > MAX_STRING_BYTES) {
        this.fail(null, `string of ${len} bytes is longer than the limit of ${MAX_STRING_BYTES} bytes`);
      }
      const vars = this.vars;
      const offset = vars.len;
      vars.push(this.strBuf, this.strStart, this.strEnd);
      const buf = this.stage.buf;
      writeU32(buf, at, offset);
      writeU32(buf, at + 4, len);
      return;
    }
    if (t.kind === Kind.Date) {
      const d = parseDate(this.strBuf, this.strStart, this.strEnd);
      if (d === null) {
        this.fail(null, `${quoted(this.strText())} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)`);
      }
      writeU32(this.stage.buf, at, d);
      return;
    }
    if (t.kind === Kind.Enum) {
      const variants = this.shape.variantBytes[t.index] as Uint8Array[];
      const index = findBytes(variants, this.strBuf, this.strStart, this.strEnd);
      if (index < 0) {
        const def = this.shape.schema.enums[t.index];
        this.fail(null, `unknown value ${quoted(this.strText())}, expected one of ${def?.variants.join(", ")}`);
      }
      if (variants.length <= 256) this.stage.buf[at] = index;
      else writeU32(this.stage.buf, at, index);
      return;
    }
    this.mismatch(ty, "string");
  }

  private visitSeq(ty: TyInfo, at0: number): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind !== Kind.List) this.mismatch(ty, "list");
    const elem = t.inner as TyInfo;
    const size = elem.size;
    const align = elem.align;
    const stage = this.stage;
    const start = stage.len;
    let count = 0;
    let first = true;
    for (;;) {
      // has_next_element
      let p = this.skipWs();
      if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofList));
      let c = this.b[p] as number;
      if (c === 0x5d) break;
      if (first) first = false;
      else if (c === 0x2c) {
        this.pos++;
        p = this.skipWs();
        if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofValue));
        c = this.b[p] as number;
        if (c === 0x5d) throw new Syntax(this.peekMsg(MSG.trailingComma));
      } else throw new Syntax(this.peekMsg(MSG.listCommaOrEnd));
      this.path.push(count);
      const pos = stage.zeros(size);
      this.seed(elem, pos);
      this.path.pop();
      if (count === MAX_LIST_ITEMS) {
        stage.len = start;
        this.fail(null, `list has more than the limit of ${MAX_LIST_ITEMS} elements`);
      }
      count++;
    }
    if (count === 0) return;
    const vars = this.vars;
    const pad = (align - (vars.len % align)) % align;
    vars.zeros(pad);
    const offset = vars.len;
    vars.push(stage.buf, start, stage.len);
    stage.len = start;
    writeU32(stage.buf, at, offset);
    writeU32(stage.buf, at + 4, count);
  }

  private endSeq(): void {
    const p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofList));
    const c = this.b[p];
    if (c === 0x5d) {
      this.pos++;
      return;
    }
    if (c === 0x2c) {
      this.pos++;
      const q = this.skipWs();
      throw new Syntax(this.peekMsg(q < this.end && this.b[q] === 0x5d ? MSG.trailingComma : MSG.trailing));
    }
    throw new Syntax(this.peekMsg(MSG.trailing));
  }

  private endMap(): void {
    const p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofObject));
    const c = this.b[p];
    if (c === 0x7d) {
      this.pos++;
      return;
    }
    throw new Syntax(this.peekMsg(c === 0x2c ? MSG.trailingComma : MSG.trailing));
  }

  /** has_next_key: whether another key follows (the quote is next), or the object ends. */
  private nextKey(first: boolean): boolean {
    let p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofObject));
    let c = this.b[p];
    if (c === 0x7d) return false;
    if (first) {
      if (c === 0x22) return true;
      throw new Syntax(this.peekMsg(MSG.keyString));
    }
    if (c !== 0x2c) throw new Syntax(this.peekMsg(MSG.objectCommaOrEnd));
    this.pos++;
    p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofValue));
    c = this.b[p];
    if (c === 0x22) return true;
    throw new Syntax(this.peekMsg(c === 0x7d ? MSG.trailingComma : MSG.keyString));
  }

  private colon(): void {
    const p = this.skipWs();
    if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofObject));
    if (this.b[p] !== 0x3a) throw new Syntax(this.peekMsg(MSG.colon));
    this.pos++;
  }

  /** A JSON object read as a map (see `docs/abi.md`): for each member, a key over the limit
   * fails at the map and a key given twice at its entry, both before the colon; then the value,
   * then the count. While keys arrive in increasing order a duplicate can only be the previous
   * key; from the first one out of order, a set of the keys so far decides. */
  private visitEntries(t: TyInfo, at: number): void {
    const value = t.inner as TyInfo;
    const size = t.index;
    const stage = this.stage;
    const start = stage.len;
    let count = 0;
    let seen: Set<string> | null = null;
    let first = true;
    while (this.nextKey(first)) {
      first = false;
      this.pos++; // the quote
      this.string();
      const len = this.strEnd - this.strStart;
      if (len > MAX_STRING_BYTES) {
        stage.len = start;
        this.fail(null, `key of ${len} bytes is longer than the limit of ${MAX_STRING_BYTES} bytes`);
      }
      let offset = 0;
      if (len > 0) {
        offset = this.vars.len;
        this.vars.push(this.strBuf, this.strStart, this.strEnd);
      }
      const key = utf8.decode(this.vars.buf.subarray(offset, offset + len));
      let duplicate = false;
      if (seen !== null) {
        duplicate = seen.has(key);
        seen.add(key);
      } else if (count > 0) {
        const c = this.compareKeys(stage.buf, start + (count - 1) * size, offset, len);
        if (c === 0) duplicate = true;
        else if (c > 0) {
          seen = new Set<string>();
          for (let i = 0; i < count; i++) seen.add(this.stagedKey(stage.buf, start + i * size));
          duplicate = seen.has(key);
          seen.add(key);
        }
      }
      this.path.push({ key });
      if (duplicate) {
        stage.len = start;
        this.fail(null, "duplicate key");
      }
      this.colon();
      const pos = stage.zeros(size);
      writeU32(stage.buf, pos, offset);
      writeU32(stage.buf, pos + 4, len);
      this.seed(value, pos + ENTRY_VALUE_OFFSET);
      this.path.pop();
      if (count === MAX_LIST_ITEMS) {
        stage.len = start;
        this.fail(null, `map has more than the limit of ${MAX_LIST_ITEMS} entries`);
      }
      count++;
    }
    this.finishEntries(t, at, start, count, seen !== null);
  }

  /** The key of the entry staged at `pos`, as text. */
  protected stagedKey(stage: Uint8Array, pos: number): string {
    const dv = new DataView(stage.buffer, stage.byteOffset);
    const off = dv.getUint32(pos, true);
    const len = dv.getUint32(pos + 4, true);
    return utf8.decode(this.vars.buf.subarray(off, off + len));
  }

  /** Compares the key of the entry staged at `pos` with the key at `vars[off..off+len]` by
   * their bytes: negative, zero or positive. */
  protected compareKeys(stage: Uint8Array, pos: number, off: number, len: number): number {
    const dv = new DataView(stage.buffer, stage.byteOffset);
    return compareBytes(this.vars.buf, dv.getUint32(pos, true), dv.getUint32(pos + 4, true), off, len);
  }

  /** Moves the `count` entries staged from `start` to the variable area, sorted by their keys'
   * bytes when `unsorted`, and writes the map's reference at `at`. */
  protected finishEntries(t: TyInfo, at: number, start: number, count: number, unsorted: boolean): void {
    const stage = this.stage;
    if (count === 0) return;
    const size = t.index;
    const align = Math.max(4, (t.inner as TyInfo).align);
    const vars = this.vars;
    let entries = stage.buf.subarray(start, start + count * size);
    if (unsorted) {
      const dv = new DataView(stage.buf.buffer, stage.buf.byteOffset);
      const order = Array.from({ length: count }, (_, i) => i);
      const off = (i: number): number => dv.getUint32(start + i * size, true);
      const len = (i: number): number => dv.getUint32(start + i * size + 4, true);
      order.sort((a, b) => compareBytes(vars.buf, off(a), len(a), off(b), len(b)));
      const sorted = new Uint8Array(count * size);
      order.forEach((from, to) => sorted.set(stage.buf.subarray(start + from * size, start + (from + 1) * size), to * size));
      entries = sorted;
    }
    vars.zeros((align - (vars.len % align)) % align);
    const offset = vars.len;
    vars.push(entries, 0, entries.length);
    stage.len = start;
    writeU32(stage.buf, at, offset);
    writeU32(stage.buf, at + 4, count);
  }

  private visitMap(ty: TyInfo, at0: number): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind === Kind.Map) return this.visitEntries(t, at);
    if (t.kind !== Kind.Record) this.mismatch(ty, "object");
    const rec = this.shape.recordInfo[t.index];
    if (rec === undefined) this.mismatch(ty, "object");
    const names = rec.names;
    const n = names.length;
    const seen = this.seenLen;
    if (this.seen.length < seen + n) {
      const next = new Uint8Array(Math.max(this.seen.length * 2, seen + n));
      next.set(this.seen);
      this.seen = next;
    }
    const flags = this.seen;
    for (let i = seen; i < seen + n; i++) flags[i] = 0;
    this.seenLen = seen + n;
    let first = true;
    while (this.nextKey(first)) {
      first = false;
      this.pos++; // the quote
      this.string();
      const index = findBytes(names, this.strBuf, this.strStart, this.strEnd);
      if (index < 0) {
        this.colon();
        this.ignoreValue();
        continue;
      }
      const name = rec.fieldNames[index] as string;
      if (flags[seen + index]) this.fail(name, "duplicate field");
      flags[seen + index] = 1;
      this.path.push(name);
      this.colon();
      this.seed(rec.tys[index] as TyInfo, at + (rec.offsets[index] as number));
      this.path.pop();
    }
    for (let i = 0; i < n; i++) {
      if (!flags[seen + i] && rec.required[i]) this.fail(rec.fieldNames[i] as string, "missing field");
    }
    this.seenLen = seen;
  }

  /** serde_json's `ignore_value`: skips one value of any shape without recursion. */
  private ignoreValue(): void {
    const frames: number[] = [];
    let enclosing = -1;
    for (;;) {
      const p = this.skipWs();
      if (p >= this.end) throw new Syntax(this.peekMsg(MSG.eofValue));
      const c = this.b[p] as number;
      let frame = -1;
      switch (c) {
        case 0x6e: this.pos++; this.ident("ull"); break;
        case 0x74: this.pos++; this.ident("rue"); break;
        case 0x66: this.pos++; this.ident("alse"); break;
        case 0x2d: this.pos++; this.ignoreInteger(); break;
        case 0x22: this.pos++; this.ignoreStr(); break;
        case 0x5b:
        case 0x7b:
          if (enclosing >= 0) frames.push(enclosing);
          enclosing = -1;
          this.pos++;
          frame = c;
          break;
        default:
          if (c >= 0x30 && c <= 0x39) this.ignoreInteger();
          else throw new Syntax(this.peekMsg(MSG.value));
      }
      let acceptComma: boolean;
      if (frame >= 0) acceptComma = false;
      else if (enclosing >= 0) {
        frame = enclosing;
        enclosing = -1;
        acceptComma = true;
      } else {
        const popped = frames.pop();
        if (popped === undefined) return;
        frame = popped;
        acceptComma = true;
      }
      for (;;) {
        const q = this.skipWs();
        if (q >= this.end) throw new Syntax(this.peekMsg(frame === 0x5b ? MSG.eofList : MSG.eofObject));
        const d = this.b[q];
        if (d === 0x2c && acceptComma) {
          this.pos++;
          break;
        }
        if (!((d === 0x5d && frame === 0x5b) || (d === 0x7d && frame === 0x7b))) {
          if (acceptComma) throw new Syntax(this.peekMsg(frame === 0x5b ? MSG.listCommaOrEnd : MSG.objectCommaOrEnd));
          break;
        }
        this.pos++;
        const popped = frames.pop();
        if (popped === undefined) return;
        frame = popped;
        acceptComma = true;
      }
      if (frame === 0x7b) {
        const q = this.skipWs();
        if (q >= this.end) throw new Syntax(this.peekMsg(MSG.eofObject));
        if (this.b[q] !== 0x22) throw new Syntax(this.peekMsg(MSG.keyString));
        this.pos++;
        this.ignoreStr();
        const k = this.skipWs();
        if (k >= this.end) throw new Syntax(this.peekMsg(MSG.eofObject));
        if (this.b[k] !== 0x3a) throw new Syntax(this.peekMsg(MSG.colon));
        this.pos++;
      }
      enclosing = frame;
    }
  }

  private ignoreStr(): void {
    const b = this.b;
    for (;;) {
      let p = this.pos;
      while (p < this.end) {
        const c = b[p] as number;
        if (c === 0x22 || c === 0x5c || c < 0x20) break;
        p++;
      }
      this.pos = p;
      if (p >= this.end) throw new Syntax(this.errMsg(MSG.eofString));
      const c = b[p];
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c === 0x5c) {
        this.pos++;
        this.escape(null);
        continue;
      }
      // Unlike a string that is read, an ignored one reports the control character's own column.
      throw new Syntax(this.errMsg(MSG.control));
    }
  }

  private digit(): boolean {
    const c = this.peekByte();
    return c >= 0x30 && c <= 0x39;
  }

  private ignoreInteger(): void {
    const c = this.pos < this.end ? (this.b[this.pos++] as number) : 0;
    if (c === 0x30) {
      if (this.digit()) throw new Syntax(this.peekMsg(MSG.number));
    } else if (c >= 0x31 && c <= 0x39) {
      while (this.digit()) this.pos++;
    } else {
      throw new Syntax(this.errMsg(MSG.number));
    }
    const d = this.peekByte();
    if (d === 0x2e) {
      this.pos++;
      if (!this.digit()) throw new Syntax(this.peekMsg(MSG.number));
      while (this.digit()) this.pos++;
      const e = this.peekByte();
      if (e === 0x65 || e === 0x45) this.ignoreExponent();
    } else if (d === 0x65 || d === 0x45) this.ignoreExponent();
  }

  private ignoreExponent(): void {
    this.pos++;
    const s = this.peekByte();
    if (s === 0x2b || s === 0x2d) this.pos++;
    const c = this.pos < this.end ? (this.b[this.pos++] as number) : 0;
    if (c < 0x30 || c > 0x39) throw new Syntax(this.errMsg(MSG.number));
    while (this.digit()) this.pos++;
  }

  /** The string value of the first `key` field of the JSON object in `bytes[start..end]`, as far
   * as the text can be read: names a record in an error report when it could not be decoded. */
  probeKey(bytes: Uint8Array, start: number, end: number, key: Uint8Array): string | null {
    this.b = bytes;
    this.pos = start;
    this.start = start;
    this.end = end;
    try {
      const p = this.skipWs();
      if (p >= end || bytes[p] !== 0x7b) return null;
      this.pos++;
      let first = true;
      while (this.nextKey(first)) {
        first = false;
        this.pos++;
        this.string();
        if (findBytes([key], this.strBuf, this.strStart, this.strEnd) === 0) {
          this.colon();
          const q = this.skipWs();
          if (q >= end || bytes[q] !== 0x22) return null;
          this.pos++;
          this.string();
          return this.strText();
        }
        this.colon();
        this.ignoreValue();
      }
      return null;
    } catch (e) {
      if (e instanceof Syntax) return null;
      throw e;
    }
  }
}

/** The index of the first entry of `list` equal to `b[start..end]`, or -1. */
export function findBytes(list: Uint8Array[], b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const first = b[start];
  outer: for (let i = 0; i < list.length; i++) {
    const name = list[i] as Uint8Array;
    if (name.length !== len || name[0] !== first) continue;
    for (let k = 0; k < len; k++) if (name[k] !== b[start + k]) continue outer;
    return i;
  }
  return -1;
}

/** UTF-8 bytes of `s`. */
export const encodeUtf8 = (s: string): Uint8Array => utf8Encoder.encode(s);

/** Compares `b[ao..ao+al]` with `b[bo..bo+bl]` byte by byte, a prefix first: the order of a
 * map's keys. */
export function compareBytes(b: Uint8Array, ao: number, al: number, bo: number, bl: number): number {
  const n = Math.min(al, bl);
  for (let i = 0; i < n; i++) {
    const d = (b[ao + i] as number) - (b[bo + i] as number);
    if (d !== 0) return d;
  }
  return al - bl;
}
