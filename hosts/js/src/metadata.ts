// The metadata a policy module carries in its `dexp` custom section: its JSON form, the checks
// the Rust runtime applies to it (ABI version, source hash, schema consistency) and the byte
// layout of every schema type, recomputed here and compared with the stored one.

import { LoadError } from "./errors.js";

/** The contract version this package implements. */
export const ABI_VERSION = 1;
/** The largest fixed layout of one record, in bytes. */
export const MAX_RECORD_SIZE = 1 << 20;

/** A schema type as the metadata JSON writes it. */
export type Ty =
  | "bool"
  | "int"
  | "decimal"
  | "date"
  | "string"
  | { enum: number }
  | { record: number }
  | { list: Ty }
  | { optional: Ty }
  | { codes: number }
  | { map: Ty };

/** A declared enum. */
export interface EnumDef {
  /** The enum's name in the policy. */
  name: string;
  /** Variant names; a variant's value is its index. */
  variants: string[];
}

/** One field of a record. */
export interface FieldDef {
  /** The field name, also its JSON key. */
  name: string;
  /** The field's type. */
  ty: Ty;
}

/** A declared record. */
export interface RecordDef {
  /** The record's name in the policy. */
  name: string;
  /** Fields in declaration order. */
  fields: FieldDef[];
}

/** One reason code. */
export interface CodeDef {
  /** The stable code written in decisions. */
  code: string;
  /** The human explanation. */
  message: string;
}

/** A group of reason codes. */
export interface GroupDef {
  /** The group's name. */
  name: string;
  /** Whether codes list failed requirements or advisories that apply. */
  kind: "requirements" | "advisories";
  /** Code `i` is bit `i` of the group's bitset. */
  codes: CodeDef[];
}

/** The types a policy exchanges with its host. */
export interface Schema {
  /** Declared enums. */
  enums: EnumDef[];
  /** Declared records. */
  records: RecordDef[];
  /** Reason-code groups. */
  groups: GroupDef[];
  /** The input record's index. */
  input: number;
  /** The output record's index. */
  output: number;
  /** The input field naming a record in error reports, or null. */
  key: number | null;
}

/** Where one field lies in its record. */
export interface FieldLayout {
  /** Byte offset from the start of the record. */
  offset: number;
  /** Bytes the field occupies. */
  size: number;
  /** The field's alignment. */
  align: number;
}

/** The layout of one record type. */
export interface RecordLayout {
  /** Total size, a multiple of `align`. */
  size: number;
  /** The largest field alignment, at least 1. */
  align: number;
  /** Fields in declaration order. */
  fields: FieldLayout[];
}

/** The layout of every type of a schema. */
export interface Layout {
  /** Bytes of each enum's values (1 or 4). */
  enums: number[];
  /** Each record's layout. */
  records: RecordLayout[];
  /** Bytes of one input record. */
  input_size: number;
  /** The decision slot. */
  slot: { size: number; status: number; site: number; record: number };
}

/** What a coverage counter counts (instrumented modules only); kept as read. */
export type Counter = Record<string, unknown>;

/** What a policy module says about itself. */
export interface Metadata {
  /** The contract version: 1. */
  abi_version: number;
  /** The policy's name. */
  policy: string;
  /** The policy's version. */
  version: string;
  /** A hash of the policy source, lowercase hexadecimal. */
  source_hash: string;
  /** The input and output types. */
  schema: Schema;
  /** The layout of those types. */
  layout: Layout;
  /** Descriptions of failure sites, indexed by a slot's site word: the error path. */
  sites: string[];
  /** Present only in an instrumented module. */
  coverage?: Counter[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isU32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

function jsonError(what: string): LoadError {
  return new LoadError("metadata_json", `the metadata is not valid: ${what}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw jsonError(`${what} is not a string`);
  return v;
}

function u32(v: unknown, what: string): number {
  if (!isU32(v)) throw jsonError(`${what} is not a u32`);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw jsonError(`${what} is not a list`);
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!isObj(v)) throw jsonError(`${what} is not an object`);
  return v;
}

function ty(v: unknown, what: string, depth = 0): Ty {
  if (depth > 128) throw jsonError(`${what} is nested too deeply`);
  if (v === "bool" || v === "int" || v === "decimal" || v === "date" || v === "string") return v;
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const k = keys[0];
      if (k === "enum" || k === "record" || k === "codes") return { [k]: u32(v[k], what) } as Ty;
      if (k === "list") return { list: ty(v.list, what, depth + 1) };
      if (k === "optional") return { optional: ty(v.optional, what, depth + 1) };
      if (k === "map") return { map: ty(v.map, what, depth + 1) };
    }
  }
  throw jsonError(`${what} is not a type`);
}

function schemaOf(v: unknown): Schema {
  const s = obj(v, "schema");
  const enums = arr(s.enums, "schema.enums").map((e, i) => {
    const o = obj(e, `enum ${i}`);
    return { name: str(o.name, "enum name"), variants: arr(o.variants, "variants").map((x) => str(x, "variant")) };
  });
  const records = arr(s.records, "schema.records").map((r, i) => {
    const o = obj(r, `record ${i}`);
    const fields = arr(o.fields, "fields").map((f) => {
      const fo = obj(f, "field");
      return { name: str(fo.name, "field name"), ty: ty(fo.ty, "field type") };
    });
    return { name: str(o.name, "record name"), fields };
  });
  const groups = arr(s.groups, "schema.groups").map((g) => {
    const o = obj(g, "group");
    if (o.kind !== "requirements" && o.kind !== "advisories") throw jsonError("group kind");
    const codes = arr(o.codes, "codes").map((c) => {
      const co = obj(c, "code");
      return { code: str(co.code, "code"), message: str(co.message, "code message") };
    });
    return { name: str(o.name, "group name"), kind: o.kind, codes } as GroupDef;
  });
  const key = s.key === null || s.key === undefined ? null : u32(s.key, "schema.key");
  return { enums, records, groups, input: u32(s.input, "schema.input"), output: u32(s.output, "schema.output"), key };
}

function layoutOf(v: unknown): Layout {
  const l = obj(v, "layout");
  const field = (f: unknown): FieldLayout => {
    const o = obj(f, "field layout");
    return { offset: u32(o.offset, "offset"), size: u32(o.size, "size"), align: u32(o.align, "align") };
  };
  const slot = obj(l.slot, "slot");
  return {
    enums: arr(l.enums, "layout.enums").map((x) => u32(x, "enum size")),
    records: arr(l.records, "layout.records").map((r) => {
      const o = obj(r, "record layout");
      return { size: u32(o.size, "size"), align: u32(o.align, "align"), fields: arr(o.fields, "fields").map(field) };
    }),
    input_size: u32(l.input_size, "input_size"),
    slot: {
      size: u32(slot.size, "slot.size"),
      status: u32(slot.status, "slot.status"),
      site: u32(slot.site, "slot.site"),
      record: u32(slot.record, "slot.record"),
    },
  };
}

/** Reads and checks the `dexp` section: the ABI version first, then the rest, the source hash,
 * the schema's consistency and the stored layout against the one derived here. */
export function decodeMetadata(bytes: Uint8Array): Metadata {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (e) {
    throw jsonError(e instanceof Error ? e.message : String(e));
  }
  const top = obj(raw, "the section");
  const version = u32(top.abi_version, "abi_version");
  if (version !== ABI_VERSION) {
    throw new LoadError(
      "abi_version",
      `the module was built for ABI version ${version}, this runtime supports version ${ABI_VERSION}`,
    );
  }
  const metadata: Metadata = {
    abi_version: version,
    policy: str(top.policy, "policy"),
    version: str(top.version, "version"),
    source_hash: str(top.source_hash, "source_hash"),
    schema: schemaOf(top.schema),
    layout: layoutOf(top.layout),
    sites: arr(top.sites, "sites").map((s) => str(s, "site")),
  };
  if (top.coverage !== undefined && top.coverage !== null) {
    metadata.coverage = arr(top.coverage, "coverage").map((c) => obj(c, "counter"));
  }
  if (!/^[0-9a-f]+$/.test(metadata.source_hash)) {
    throw new LoadError("source_hash", "the source hash is not lowercase hexadecimal");
  }
  const problem = validateSchema(metadata.schema);
  if (problem !== null) throw new LoadError("schema", `the schema is not valid: ${problem}`);
  const derived = layoutFor(metadata.schema);
  if (!sameLayout(derived, metadata.layout)) {
    throw new LoadError("layout_mismatch", "the stored layout does not match the layout of the schema");
  }
  return metadata;
}

/** Checks that every index points at something and records do not contain themselves; the
 * problem in the Rust runtime's words, or null. */
export function validateSchema(s: Schema): string | null {
  const check = (t: Ty): string | null => {
    if (typeof t === "string") return null;
    if ("enum" in t) return t.enum < s.enums.length ? null : `unknown enum ${t.enum}`;
    if ("record" in t) return t.record < s.records.length ? null : `unknown record ${t.record}`;
    if ("codes" in t) return t.codes < s.groups.length ? null : `unknown group ${t.codes}`;
    return check("list" in t ? t.list : "map" in t ? t.map : t.optional);
  };
  for (const r of s.records) {
    for (const f of r.fields) {
      const e = check(f.ty);
      if (e !== null) return `field \`${r.name}.${f.name}\`: ${e}`;
    }
  }
  if (s.input >= s.records.length) return "the input record does not exist";
  if (s.output >= s.records.length) return "the output record does not exist";
  if (s.key !== null && s.key >= (s.records[s.input]?.fields.length ?? 0)) return "the key field does not exist";
  for (const g of s.groups) if (g.codes.length > 64) return `group \`${g.name}\` has more than 64 codes`;
  // A record must not contain itself other than through a list.
  const direct = (r: number): number[] =>
    (s.records[r]?.fields ?? []).flatMap((f) => {
      let t = f.ty;
      while (typeof t === "object" && "optional" in t) t = t.optional;
      return typeof t === "object" && "record" in t ? [t.record] : [];
    });
  for (let i = 0; i < s.records.length; i++) {
    const seen = new Set<number>();
    const stack = [...direct(i)];
    while (stack.length > 0) {
      const r = stack.pop() as number;
      if (r === i) return "a record contains itself";
      if (seen.has(r)) continue;
      seen.add(r);
      stack.push(...direct(r));
    }
  }
  return null;
}

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** The size and alignment of a value of type `t` once the records' layouts are known. */
export function tyLayout(t: Ty, enums: number[], records: RecordLayout[]): { size: number; align: number } {
  if (t === "bool") return { size: 1, align: 1 };
  // A decimal is an `i64` count of millionths: the same slot as an int.
  if (t === "int" || t === "decimal") return { size: 8, align: 8 };
  if (t === "date") return { size: 4, align: 4 };
  if (t === "string") return { size: 8, align: 4 };
  if ("codes" in t) return { size: 8, align: 8 };
  if ("list" in t || "map" in t) return { size: 8, align: 4 };
  if ("enum" in t) {
    const n = enums[t.enum] ?? 1;
    return { size: n, align: n };
  }
  if ("record" in t) {
    const r = records[t.record];
    return r ? { size: r.size, align: r.align } : { size: 0, align: 1 };
  }
  const inner = tyLayout(t.optional, enums, records);
  return { size: inner.align + inner.size, align: inner.align };
}

/** Where a map entry's value lies: after its key, a string of 8 bytes at offset 0. */
export const ENTRY_VALUE_OFFSET = 8;

/** The size and alignment of one entry of a map whose values have layout `value`: the key at
 * 0, the value at 8, the alignment the larger of 4 and the value's, the size rounded up to it. */
export function entryLayout(value: { size: number; align: number }): { size: number; align: number } {
  const align = Math.max(4, value.align);
  return { size: alignUp(ENTRY_VALUE_OFFSET + value.size, align), align };
}

/** Derives the layout of every type of a valid schema, exactly as the ABI defines it: fields
 * in decreasing alignment, ties in declaration order. */
export function layoutFor(s: Schema): Layout {
  const enums = s.enums.map((e) => (e.variants.length <= 256 ? 1 : 4));
  const records: (RecordLayout | undefined)[] = new Array(s.records.length).fill(undefined);
  const build = (i: number): RecordLayout => {
    const done = records[i];
    if (done) return done;
    const def = s.records[i];
    if (!def) throw new LoadError("layout", "the schema has no layout: type refers to a missing record");
    const sizes = def.fields.map((f) => {
      let t = f.ty;
      // Records inside (through optionals) must be laid out first.
      while (typeof t === "object" && "optional" in t) t = t.optional;
      if (typeof t === "object" && "record" in t) build(t.record);
      return tyLayout(f.ty, enums, records as RecordLayout[]);
    });
    const order = sizes.map((_, k) => k).sort((a, b) => (sizes[b]?.align ?? 1) - (sizes[a]?.align ?? 1) || a - b);
    const fields: FieldLayout[] = new Array(sizes.length);
    let end = 0;
    let align = 1;
    for (const k of order) {
      const l = sizes[k] as { size: number; align: number };
      const offset = alignUp(end, l.align);
      end = offset + l.size;
      align = Math.max(align, l.align);
      fields[k] = { offset, size: l.size, align: l.align };
    }
    const size = alignUp(end, align);
    if (size > MAX_RECORD_SIZE) {
      throw new LoadError("layout", `the schema has no layout: record \`${def.name}\` is larger than ${MAX_RECORD_SIZE} bytes`);
    }
    const layout = { size, align, fields };
    records[i] = layout;
    return layout;
  };
  for (let i = 0; i < s.records.length; i++) build(i);
  const all = records as RecordLayout[];
  const inputSize = all[s.input]?.size ?? 0;
  const outputSize = all[s.output]?.size ?? 0;
  return { enums, records: all, input_size: inputSize, slot: { size: alignUp(8 + outputSize, 8), status: 0, site: 4, record: 8 } };
}

function sameLayout(a: Layout, b: Layout): boolean {
  const eq = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);
  return (
    eq(a.enums, b.enums) &&
    a.input_size === b.input_size &&
    eq(a.slot, b.slot) &&
    a.records.length === b.records.length &&
    a.records.every((r, i) => {
      const o = b.records[i];
      return (
        o !== undefined &&
        r.size === o.size &&
        r.align === o.align &&
        r.fields.length === o.fields.length &&
        r.fields.every((f, k) => {
          const g = o.fields[k];
          return g !== undefined && f.offset === g.offset && f.size === g.size && f.align === g.align;
        })
      );
    })
  );
}
