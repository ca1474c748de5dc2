// A tiny policy module written by hand, byte by byte, and variations of it that break the
// contract: the JS mirror of `runtime/tests/support/policy.rs`. The policy: input
// `{id: string, a: int, b: int}`, output `{id: string, sum: int, reasons: codes(R)}` with
// `sum = a + b` and `R` = `negative_sum` (sum < 0), `zero_sum` (sum == 0).

import { layoutFor } from "../dist/index.js";

const enc = new TextEncoder();

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s) => [...leb(enc.encode(s).length), ...enc.encode(s)];
const vec = (items) => [...leb(items.length), ...items.flat()];
const section = (id, content) => [id, ...leb(content.length), ...content];

/** The policy's schema. */
export const SCHEMA = {
  enums: [],
  records: [
    { name: "Input", fields: [{ name: "id", ty: "string" }, { name: "a", ty: "int" }, { name: "b", ty: "int" }] },
    { name: "Output", fields: [{ name: "id", ty: "string" }, { name: "sum", ty: "int" }, { name: "reasons", ty: { codes: 0 } }] },
  ],
  groups: [{ name: "R", kind: "advisories", codes: [{ code: "negative_sum", message: "the sum is negative" }, { code: "zero_sum", message: "the sum is zero" }] }],
  input: 0,
  output: 1,
  key: 0,
};

/** The metadata JSON, with `change` applied to the object first. */
export function metadata(change = (m) => m) {
  const m = { abi_version: 1, policy: "sum", version: "1", source_hash: "ab12", schema: SCHEMA, layout: layoutFor(SCHEMA), sites: ["a + b"] };
  return enc.encode(JSON.stringify(change(structuredClone(m))));
}

const I32 = 0x7f;
const I64 = 0x7e;

function body(kind) {
  // Params: 0 n, 1 in_ptr, 2 out_ptr, 3 var_ptr, 4 var_len. Locals: 5 i, 6 rec, 7 slot, 8 sum (i64).
  const get = (i) => [0x20, i];
  const set = (i) => [0x21, i];
  const i32c = (v) => [0x41, ...sleb(v)];
  const loopRecords = (inner) => [
    0x02, 0x40, 0x03, 0x40,
    ...get(5), ...get(0), 0x4f, 0x0d, 1, // i >= n: break
    ...get(1), ...get(5), ...i32c(24), 0x6c, 0x6a, ...set(6),
    ...get(2), ...get(5), ...i32c(32), 0x6c, 0x6a, ...set(7),
    ...inner,
    ...get(5), ...i32c(1), 0x6a, ...set(5),
    0x0c, 0, 0x0b, 0x0b,
  ];
  let code;
  switch (kind.body ?? "sum") {
    case "sum":
      code = loopRecords([
        ...get(7), ...i32c(0), 0x36, 2, 0, // status = 0
        ...get(7), ...i32c(0), 0x36, 2, 4, // site = 0
        ...get(6), 0x29, 3, 0, ...get(6), 0x29, 3, 8, 0x7c, ...set(8), // sum = a + b
        ...get(7), ...get(8), 0x37, 3, 8, // out.sum at 8 + 0
        ...get(7), ...get(6), 0x29, 2, 16, 0x37, 2, 8 + 16, // out.id = in.id
        ...get(7), 0x42, 1, 0x42, 2, 0x42, 0, ...get(8), 0x50, 0x1b, ...get(8), 0x42, 0, 0x53, 0x1b, 0x37, 3, 8 + 8, // reasons
      ]);
      code.push(...get(4));
      break;
    case "status":
      code = loopRecords([...get(7), ...i32c(kind.status), 0x36, 2, 0, ...get(7), ...i32c(kind.site), 0x36, 2, 4]);
      code.push(...get(4));
      break;
    case "unreachable":
      code = [0x00];
      break;
    case "recurse":
      code = [...get(0), ...get(1), ...get(2), ...get(3), ...get(4), 0x10, 0];
      break;
    case "grow":
      code = [0x03, 0x40, ...i32c(16), 0x40, 0, ...i32c(-1), 0x46, 0x04, 0x40, 0x00, 0x0b, 0x0c, 0, 0x0b, ...i32c(0)];
      break;
    case "varEnd":
      code = i32c(kind.value);
      break;
    default:
      throw new Error(kind.body);
  }
  const fn = [...vec([[3, I32], [1, I64]]), ...code, 0x0b];
  return [...leb(fn.length), ...fn];
}

/** Builds the module; every option is a way to break it. */
export function build(spec = {}) {
  const sections = spec.sections ?? [metadata()];
  const exportsList = spec.exports ?? [["memory", 2, 0], ["dexp_heap_base", 3, 0], ["dexp_eval", 0, 0]];
  const types = section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32].map((t) => [t])), ...vec([[I32]])], [0x60, 0, 0]]));
  const imports = spec.import ? section(2, vec([[...str("env"), ...str("now"), 0x00, ...leb(1)]])) : [];
  const funcs = section(3, vec([leb(0), leb(1)]));
  const mem = spec.memory ?? { flags: 0, min: 1 };
  const memory = section(5, vec([[mem.flags, ...leb(mem.min), ...(mem.flags & 1 ? leb(mem.max) : [])]]));
  const globals = section(6, vec([[I32, 0, 0x41, ...sleb(1024), 0x0b], [I32, 1, 0x41, 0, 0x0b]]));
  const exports = section(7, vec(exportsList.map(([name, kind, index]) => [...str(name), kind, ...leb(index)])));
  const start = spec.start ? section(8, leb(1)) : [];
  const helper = [0, 0x0b];
  const code = section(10, vec([body(spec), [...leb(helper.length), ...helper]]));
  const custom = sections.map((s) => section(0, [...str("dexp"), ...s]));
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...memory, ...globals, ...exports, ...start, ...code, ...custom.flat()]);
}
