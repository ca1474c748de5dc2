// JS values straight into the input layout, for `Policy.evaluate`: the same checks, paths and
// messages as the JSON reader gives for the JSON text of the same value, without writing or
// reading that text. Ints are `bigint`s or safe-integer `number`s; an integer `number` beyond
// 2^53 (already rounded by JS) is refused with its path instead of becoming another int.
// Decimals are strings of number text (read exactly, as the JSON reader reads a number),
// `bigint`s (whole numbers) or `number`s (through their shortest round-trip text, `String(x)`).

import type { RecordError } from "./errors.js";
import { Kind, type Shape, type TyInfo } from "./shape.js";
import { parseDateText } from "./date.js";
import { DecimalError, decimalFromInt, decimalMessage, parseDecimal } from "./decimal.js";
import { ENTRY_VALUE_OFFSET } from "./metadata.js";
import { BatchEncoder, MAX_JSON_DEPTH, MAX_LIST_ITEMS, MAX_STRING_BYTES, quoted, rustF64, writeI64, writeU32 } from "./json.js";

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
const encoder = new TextEncoder();

/** A batch encoder that also takes records as JS values. */
export class ValueEncoder extends BatchEncoder {
  private readonly variants: Map<string, number>[];

  constructor(shape: Shape) {
    super(shape);
    this.variants = shape.schema.enums.map((e) => {
      const m = new Map<string, number>();
      e.variants.forEach((v, i) => {
        if (!m.has(v)) m.set(v, i);
      });
      return m;
    });
  }

  /** Appends the record `value`; on error the batch is unchanged and the error is returned. */
  pushValue(value: unknown): RecordError | null {
    const varsLen = this.vars.len;
    const size = this.shape.layout.input_size;
    this.stage.len = 0;
    this.stage.zeros(size);
    this.path.length = 0;
    this.seenLen = 0;
    this.error = null;
    try {
      this.fromValue(this.shape.inputInfo, 0, value);
    } catch (e) {
      this.vars.len = varsLen;
      if (this.error !== null) return this.error;
      throw e;
    }
    this.records.push(this.stage.buf, 0, size);
    this.count++;
    return null;
  }

  private fromValue(ty: TyInfo, at0: number, v: unknown): void {
    if (this.path.length > MAX_JSON_DEPTH) this.fail(null, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (v === null || v === undefined) {
      if (ty.kind === Kind.Optional) return;
      this.mismatch(ty, "null");
    }
    switch (typeof v) {
      case "boolean": {
        const t = this.present(ty, at0);
        if (t.kind !== Kind.Bool) this.mismatch(ty, v ? "true" : "false");
        this.stage.buf[this.valueAt] = v ? 1 : 0;
        return;
      }
      case "number":
        return this.fromNumber(ty, at0, v);
      case "bigint": {
        const t = this.present(ty, at0);
        if (t.kind === Kind.Decimal) {
          const units = decimalFromInt(v);
          if (units === null) this.fail(null, decimalMessage(DecimalError.OutOfRange, v.toString()));
          writeI64(this.stage.buf, this.valueAt, units);
          return;
        }
        if (t.kind !== Kind.Int) this.mismatch(ty, `number ${v}`);
        if (v > I64_MAX) this.fail(null, `${v} does not fit in a 64-bit int`);
        if (v < I64_MIN) this.fail(null, "number is outside the 64-bit int range");
        writeI64(this.stage.buf, this.valueAt, v);
        return;
      }
      case "string":
        return this.fromString(ty, at0, v);
      case "object": {
        const json = (v as { toJSON?: () => unknown }).toJSON;
        if (typeof json === "function") return this.fromValue(ty, at0, json.call(v));
        if (Array.isArray(v)) return this.fromList(ty, at0, v);
        return this.fromRecord(ty, at0, v as Record<string, unknown>);
      }
      default:
        this.fail(null, `a ${typeof v} cannot be written as JSON`);
    }
  }

  private fromNumber(ty: TyInfo, at0: number, v: number): void {
    if (!Number.isFinite(v)) this.fail(null, `number ${v} cannot be written as JSON`);
    const t = this.present(ty, at0);
    if (t.kind === Kind.Decimal) {
      // The shortest text that reads back as this double (`0.1` is 0.1, `1e-7` is too precise):
      // the number the caller wrote, as the Python host takes a float through its repr.
      this.writeDecimal(String(v));
      return;
    }
    if (!Number.isInteger(v)) this.mismatch(ty, `number ${rustF64(v)}`);
    if (!Number.isSafeInteger(v)) this.fail(null, `number ${BigInt(v)} is beyond 2^53 and may have been rounded: pass it as a bigint`);
    if (t.kind !== Kind.Int) this.mismatch(ty, `number ${v === 0 ? 0 : v}`);
    writeI64(this.stage.buf, this.valueAt, v === 0 ? 0 : v);
  }

  private fromString(ty: TyInfo, at0: number, v: string): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind === Kind.Str) {
      if (v.length === 0) return;
      const vars = this.vars;
      vars.reserve(v.length * 3);
      const offset = vars.len;
      const { written } = encoder.encodeInto(v, vars.buf.subarray(offset));
      if (written > MAX_STRING_BYTES) {
        this.fail(null, `string of ${written} bytes is longer than the limit of ${MAX_STRING_BYTES} bytes`);
      }
      vars.len += written;
      writeU32(this.stage.buf, at, offset);
      writeU32(this.stage.buf, at + 4, written);
      return;
    }
    if (t.kind === Kind.Date) {
      const d = parseDateText(v);
      if (d === null) this.fail(null, `${quoted(v)} is not a valid date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)`);
      writeU32(this.stage.buf, at, d);
      return;
    }
    if (t.kind === Kind.Decimal) {
      if (parseDecimal(v) === DecimalError.Syntax) {
        this.fail(null, `${quoted(v)} is not a decimal: expected number text such as "19.99", "-0.5" or "1e3"`);
      }
      this.writeDecimal(v);
      return;
    }
    if (t.kind === Kind.Enum) {
      const index = this.variants[t.index]?.get(v);
      if (index === undefined) {
        const def = this.shape.schema.enums[t.index];
        this.fail(null, `unknown value ${quoted(v)}, expected one of ${def?.variants.join(", ")}`);
      }
      if (t.size === 1) this.stage.buf[at] = index;
      else writeU32(this.stage.buf, at, index);
      return;
    }
    this.mismatch(ty, "string");
  }

  /** Writes the decimal of number text `text` where `present` left `valueAt`, or fails with the
   * JSON reader's message for the same number. */
  private writeDecimal(text: string): void {
    const units = parseDecimal(text);
    if (typeof units !== "bigint") this.fail(null, decimalMessage(units, text));
    writeI64(this.stage.buf, this.valueAt, units);
  }

  private fromList(ty: TyInfo, at0: number, items: unknown[]): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind !== Kind.List) this.mismatch(ty, "list");
    const elem = t.inner as TyInfo;
    const size = elem.size;
    const align = elem.align;
    const stage = this.stage;
    const start = stage.len;
    for (let i = 0; i < items.length; i++) {
      if (i === MAX_LIST_ITEMS) this.fail(null, `list has more than the limit of ${MAX_LIST_ITEMS} elements`);
      this.path.push(i);
      const pos = stage.zeros(size);
      this.fromValue(elem, pos, items[i] === undefined ? null : items[i]);
      this.path.pop();
    }
    if (items.length === 0) return;
    const vars = this.vars;
    vars.zeros((align - (vars.len % align)) % align);
    const offset = vars.len;
    vars.push(stage.buf, start, stage.len);
    stage.len = start;
    writeU32(stage.buf, at, offset);
    writeU32(stage.buf, at + 4, items.length);
  }

  /** An object as a map: its own enumerable keys in their order, as its JSON text would list
   * them (an object cannot hold a key twice); members whose value JSON would leave out are
   * left out here too. */
  private fromEntries(t: TyInfo, at: number, v: Record<string, unknown>): void {
    const value = t.inner as TyInfo;
    const size = t.index;
    const stage = this.stage;
    const start = stage.len;
    let count = 0;
    let unsorted = false;
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      const item = v[key];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      const bytes = encoder.encode(key);
      if (bytes.length > MAX_STRING_BYTES) {
        stage.len = start;
        this.fail(null, `key of ${bytes.length} bytes is longer than the limit of ${MAX_STRING_BYTES} bytes`);
      }
      let offset = 0;
      if (bytes.length > 0) {
        offset = this.vars.len;
        this.vars.push(bytes);
      }
      if (count > 0 && !unsorted) unsorted = this.compareKeys(stage.buf, start + (count - 1) * size, offset, bytes.length) > 0;
      this.path.push({ key });
      const pos = stage.zeros(size);
      writeU32(stage.buf, pos, offset);
      writeU32(stage.buf, pos + 4, bytes.length);
      this.fromValue(value, pos + ENTRY_VALUE_OFFSET, item);
      this.path.pop();
      if (count === MAX_LIST_ITEMS) {
        stage.len = start;
        this.fail(null, `map has more than the limit of ${MAX_LIST_ITEMS} entries`);
      }
      count++;
    }
    this.finishEntries(t, at, start, count, unsorted);
  }

  private fromRecord(ty: TyInfo, at0: number, v: Record<string, unknown>): void {
    const t = this.present(ty, at0);
    const at = this.valueAt;
    if (t.kind === Kind.Map) return this.fromEntries(t, at, v);
    if (t.kind !== Kind.Record) this.mismatch(ty, "object");
    const rec = this.shape.recordInfo[t.index];
    if (rec === undefined) this.mismatch(ty, "object");
    const n = rec.fieldNames.length;
    const seen = new Uint8Array(n);
    // Fields in the object's own order, as its JSON text would list them.
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      const index = rec.fieldNames.indexOf(key);
      const item = v[key];
      if (index < 0 || item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      seen[index] = 1;
      this.path.push(key);
      this.fromValue(rec.tys[index] as TyInfo, at + (rec.offsets[index] as number), item);
      this.path.pop();
    }
    for (let i = 0; i < n; i++) {
      if (!seen[i] && rec.required[i]) this.fail(rec.fieldNames[i] as string, "missing field");
    }
  }
}
