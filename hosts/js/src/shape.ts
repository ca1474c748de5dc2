// A checked schema with its layout and the lookup tables the reader and writer use: field and
// variant names as UTF-8 bytes, sizes and alignments of types, where the key field lies.

import type { Layout, Schema, Ty } from "./metadata.js";
import { entryLayout, tyLayout } from "./metadata.js";

const enc = new TextEncoder();

/** Kinds of types, for switching on a number instead of inspecting a `Ty`. */
export const enum Kind {
  Bool,
  Int,
  Date,
  Str,
  Enum,
  Record,
  List,
  Optional,
  Codes,
  Map,
  Decimal,
}

/** A type as the reader uses it: every type of a schema has exactly one, so its checks stay
 * monomorphic. */
export interface TyInfo {
  /** What kind of type. */
  kind: Kind;
  /** The type itself, for messages. */
  ty: Ty;
  /** Bytes a value occupies. */
  size: number;
  /** The value's alignment. */
  align: number;
  /** The element of a list, the value of an optional or a map's values. */
  inner: TyInfo | null;
  /** The enum, record or group index; for a map, the size of one entry. */
  index: number;
}

/** A record's fields as the reader uses them. */
export interface RecordInfo {
  /** Field names as UTF-8. */
  names: Uint8Array[];
  /** Field names. */
  fieldNames: string[];
  /** Field types. */
  tys: TyInfo[];
  /** Field offsets in the record's layout. */
  offsets: number[];
  /** 1 for a field that must be present (not optional). */
  required: Uint8Array;
}

/** A schema together with its layout, known to belong together. */
export class Shape {
  /** The input record's type. */
  readonly inputTy: Ty;
  /** The output record's type. */
  readonly outputTy: Ty;
  /** Each record's field names as UTF-8. */
  readonly fieldBytes: Uint8Array[][];
  /** Each enum's variant names as UTF-8. */
  readonly variantBytes: Uint8Array[][];
  /** Where the key field lies in an input record, when it is a (possibly optional) string. */
  readonly keyField: { offset: number; optional: boolean } | null;
  /** The key field's name, when the schema has one. */
  readonly keyName: string | null;
  /** Per record, what the reader needs of each field, in declaration order. */
  readonly recordInfo: RecordInfo[];
  /** The input record's type as the reader uses it. */
  readonly inputInfo: TyInfo;

  constructor(
    readonly schema: Schema,
    readonly layout: Layout,
  ) {
    this.inputTy = { record: schema.input };
    this.outputTy = { record: schema.output };
    this.fieldBytes = schema.records.map((r) => r.fields.map((f) => enc.encode(f.name)));
    this.variantBytes = schema.enums.map((e) => e.variants.map((v) => enc.encode(v)));
    const input = schema.records[schema.input];
    const field = schema.key === null ? undefined : input?.fields[schema.key];
    this.keyName = field ? field.name : null;
    const place = schema.key === null ? undefined : layout.records[schema.input]?.fields[schema.key];
    let keyField: { offset: number; optional: boolean } | null = null;
    if (field && place) {
      if (field.ty === "string") keyField = { offset: place.offset, optional: false };
      else if (typeof field.ty === "object" && "optional" in field.ty && field.ty.optional === "string") {
        keyField = { offset: place.offset, optional: true };
      }
    }
    this.keyField = keyField;
    this.recordInfo = schema.records.map((r, i) => ({
      names: this.fieldBytes[i] ?? [],
      fieldNames: r.fields.map((f) => f.name),
      tys: r.fields.map((f) => this.info(f.ty)),
      offsets: r.fields.map((_, k) => layout.records[i]?.fields[k]?.offset ?? 0),
      required: Uint8Array.from(r.fields.map((f) => (typeof f.ty === "object" && "optional" in f.ty ? 0 : 1))),
    }));
    this.inputInfo = this.info(this.inputTy);
  }

  /** The reader's view of a type. */
  info(ty: Ty): TyInfo {
    const { size, align } = this.of(ty);
    if (typeof ty === "string") {
      const kind =
        ty === "bool" ? Kind.Bool : ty === "int" ? Kind.Int : ty === "decimal" ? Kind.Decimal : ty === "date" ? Kind.Date : Kind.Str;
      return { kind, ty, size, align, inner: null, index: 0 };
    }
    if ("enum" in ty) return { kind: Kind.Enum, ty, size, align, inner: null, index: ty.enum };
    if ("record" in ty) return { kind: Kind.Record, ty, size, align, inner: null, index: ty.record };
    if ("codes" in ty) return { kind: Kind.Codes, ty, size, align, inner: null, index: ty.codes };
    if ("list" in ty) return { kind: Kind.List, ty, size, align, inner: this.info(ty.list), index: 0 };
    if ("map" in ty) {
      const inner = this.info(ty.map);
      return { kind: Kind.Map, ty, size, align, inner, index: entryLayout(inner).size };
    }
    return { kind: Kind.Optional, ty, size, align, inner: this.info(ty.optional), index: 0 };
  }

  private readonly sizes = new Map<Ty, { size: number; align: number }>();

  private of(ty: Ty): { size: number; align: number } {
    let l = this.sizes.get(ty);
    if (l === undefined) {
      l = tyLayout(ty, this.layout.enums, this.layout.records);
      this.sizes.set(ty, l);
    }
    return l;
  }

  /** Bytes a value of `ty` occupies. */
  size(ty: Ty): number {
    return this.of(ty).size;
  }

  /** Alignment of a value of `ty`. */
  align(ty: Ty): number {
    return this.of(ty).align;
  }
}
