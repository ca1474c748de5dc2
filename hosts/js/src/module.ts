// The structural checks a module passes before it is compiled, read with a small WebAssembly
// binary reader of our own: validity, no imports, no start function, exactly the ABI's exports
// with their types, one plain 32-bit memory, one `dexp` section. Also rewrites the memory's
// maximum so that the engine itself refuses growth past the host's memory cap.

import { LoadError } from "./errors.js";

/** The largest module the host accepts, in bytes (as the Rust runtime). */
export const MAX_MODULE_BYTES = 64 << 20;
const PAGE = 1 << 16;

/** What the checks found in a module that passed them. */
export interface CheckedModule {
  /** The bytes of the `dexp` section. */
  metadata: Uint8Array;
  /** The memory's initial size in 64 KiB pages. */
  memoryPages: number;
  /** The memory's declared maximum in pages, if any. */
  memoryMax: number | null;
  /** Where the memory section lies (header included), to rewrite its maximum. */
  memorySection: { start: number; end: number };
  /** The address of the coverage counters and `dexp_heap_base`, for an instrumented module. */
  coverage: { address: number; heapBase: number } | null;
}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  byte(): number {
    if (this.pos >= this.end) throw invalid("unexpected end of the module");
    return this.bytes[this.pos++] as number;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw invalid("integer representation too long");
    }
    if (result > 0xffffffff) throw invalid("integer too large");
    return result;
  }
  /** A signed LEB128 integer of at most 32 bits (an `i32.const` operand). */
  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (shift < 32 && b & 0x40) result |= -1 << shift;
    return result | 0;
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw invalid("name runs past its section");
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return text;
  }
  skip(n: number): void {
    if (this.pos + n > this.end) throw invalid("unexpected end of the module");
    this.pos += n;
  }
}

function invalid(message: string): LoadError {
  return new LoadError("invalid", `the module is not valid WebAssembly: ${message}`);
}

const VAL_TYPES: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };
const KINDS = ["function", "table", "memory", "global", "tag"];

/** Runs every structural check on `bytes`, in the Rust runtime's order. */
export function checkModule(bytes: Uint8Array): CheckedModule {
  if (bytes.length > MAX_MODULE_BYTES) {
    throw new LoadError("too_large", `the module has ${bytes.length} bytes, more than the ${MAX_MODULE_BYTES} allowed`);
  }
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) throw invalid("the engine's validator refused it");
  if (bytes.length < 8 || bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw invalid("not a core module of version 1");
  }
  const types: { params: number[]; results: number[] }[] = [];
  const functions: number[] = [];
  const globals: { type: number; mutable: boolean; value: number | null }[] = [];
  const memories: { flags: number; initial: number; max: number | null }[] = [];
  const exports: { name: string; kind: number; index: number }[] = [];
  const metadata: Uint8Array[] = [];
  let memorySection = { start: 0, end: 0 };
  const r = new Reader(bytes, 8, bytes.length);
  while (r.pos < bytes.length) {
    const header = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) throw invalid("section runs past the end");
    const s = new Reader(bytes, start, end);
    switch (id) {
      case 0: {
        const name = s.name();
        if (name === "dexp") metadata.push(bytes.subarray(s.pos, end));
        break;
      }
      case 1:
        for (let n = s.u32(); n > 0; n--) {
          if (s.byte() !== 0x60) throw invalid("only function types are allowed");
          const params = Array.from({ length: s.u32() }, () => s.byte());
          const results = Array.from({ length: s.u32() }, () => s.byte());
          types.push({ params, results });
        }
        break;
      case 2: {
        if (s.u32() > 0) {
          const module = s.name();
          const name = s.name();
          throw new LoadError("import", `the module imports \`${module}.${name}\`, but a policy may import nothing`);
        }
        break;
      }
      case 3:
        for (let n = s.u32(); n > 0; n--) functions.push(s.u32());
        break;
      case 5:
        memorySection = { start: header, end };
        for (let n = s.u32(); n > 0; n--) {
          const flags = s.byte();
          const initial = s.u32();
          const max = flags & 1 ? s.u32() : null;
          memories.push({ flags, initial, max });
        }
        break;
      case 6:
        for (let n = s.u32(); n > 0; n--) {
          const type = s.byte();
          const mutable = s.byte() === 1;
          let value: number | null = null;
          const op = s.byte();
          if (op === 0x41) {
            const v = s.s32();
            value = s.byte() === 0x0b ? v : null;
          }
          // Skip the rest of the constant expression.
          if (value === null) while (s.byte() !== 0x0b);
          globals.push({ type, mutable, value });
        }
        break;
      case 7:
        for (let n = s.u32(); n > 0; n--) exports.push({ name: s.name(), kind: s.byte(), index: s.u32() });
        break;
      case 8:
        throw new LoadError("start_function", "the module has a start function");
      default:
        break;
    }
    r.pos = end;
  }
  // WebAssembly 2.0 has no shared or 64-bit memories (V8 accepts them: refuse them here).
  for (const m of memories) if (m.flags & ~1) throw invalid("shared and 64-bit memories are not WebAssembly 2.0");
  if (metadata.length === 0) throw new LoadError("missing_metadata", "the module has no `dexp` section");
  if (metadata.length > 1) throw new LoadError("duplicate_metadata", "the module has more than one `dexp` section");
  const [memory] = memories;
  if (memories.length !== 1 || memory === undefined) {
    throw new LoadError("memory", `the module's memory is not usable: a policy has exactly one memory, this module has ${memories.length}`);
  }
  checkExports(exports, types, functions, globals);
  const coverage = checkCoverage(exports, globals);
  return {
    metadata: metadata[0] as Uint8Array,
    memoryPages: memory.initial,
    memoryMax: memory.max,
    memorySection,
    coverage,
  };
}

type Export = { name: string; kind: number; index: number };
type Global = { type: number; mutable: boolean; value: number | null };

function checkExports(exports: Export[], types: { params: number[]; results: number[] }[], functions: number[], globals: Global[]): void {
  for (const e of exports) {
    if (!["memory", "dexp_heap_base", "dexp_eval", "dexp_coverage"].includes(e.name)) {
      throw new LoadError("unexpected_export", `the module exports \`${e.name}\`, which the ABI does not define`);
    }
  }
  const find = (name: string): Export => {
    const e = exports.find((x) => x.name === name);
    if (!e) throw new LoadError("missing_export", `the module does not export \`${name}\``);
    return e;
  };
  const wrong = (name: string, expected: string, found: string): LoadError =>
    new LoadError("wrong_export", `the export \`${name}\` is ${found}, but the ABI requires ${expected}`);
  const describe = (e: Export): string => `${KINDS[e.kind] ?? "unknown"} ${e.index}`;

  const memory = find("memory");
  if (memory.kind !== 2 || memory.index !== 0) throw wrong("memory", "the module's memory", describe(memory));

  const heap = find("dexp_heap_base");
  const expectedGlobal = "an immutable i32 global";
  if (heap.kind !== 3) throw wrong("dexp_heap_base", expectedGlobal, describe(heap));
  const g = globals[heap.index];
  if (!g) throw wrong("dexp_heap_base", expectedGlobal, "missing");
  if (g.type !== 0x7f || g.mutable) {
    throw wrong("dexp_heap_base", expectedGlobal, `a ${g.mutable ? "mutable " : ""}${VAL_TYPES[g.type] ?? "unknown"} global`);
  }

  const evalExport = find("dexp_eval");
  const expectedFunc = "a function (i32, i32, i32, i32, i32) -> i32";
  if (evalExport.kind !== 0) throw wrong("dexp_eval", expectedFunc, describe(evalExport));
  const typeIndex = functions[evalExport.index];
  const t = typeIndex === undefined ? undefined : types[typeIndex];
  if (!t) throw wrong("dexp_eval", expectedFunc, "missing");
  const ok = t.params.length === 5 && t.params.every((p) => p === 0x7f) && t.results.length === 1 && t.results[0] === 0x7f;
  if (!ok) {
    const list = (xs: number[]): string => xs.map((x) => VAL_TYPES[x] ?? "unknown").join(", ");
    throw wrong("dexp_eval", expectedFunc, `a function (${list(t.params)}) -> (${list(t.results)})`);
  }
}

function checkCoverage(exports: Export[], globals: Global[]): { address: number; heapBase: number } | null {
  const cov = exports.find((e) => e.name === "dexp_coverage");
  if (!cov) return null;
  const expected = "an immutable i32 global set by `i32.const`";
  const constant = (index: number): number | null => {
    const g = globals[index];
    return g && g.type === 0x7f && !g.mutable && g.value !== null ? g.value >>> 0 : null;
  };
  if (cov.kind !== 3) {
    throw new LoadError("wrong_export", `the export \`dexp_coverage\` is ${KINDS[cov.kind] ?? "unknown"} ${cov.index}, but the ABI requires ${expected}`);
  }
  const address = constant(cov.index);
  if (address === null) {
    throw new LoadError("wrong_export", `the export \`dexp_coverage\` is global ${cov.index}, but the ABI requires ${expected}`);
  }
  const heap = exports.find((e) => e.name === "dexp_heap_base");
  const heapBase = heap ? constant(heap.index) : null;
  if (heapBase === null) {
    throw new LoadError(
      "wrong_export",
      "the export `dexp_heap_base` is a global with another initial value, but the ABI requires an immutable i32 global set by `i32.const` in an instrumented module",
    );
  }
  return { address, heapBase };
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** The module with its one memory's maximum set to at most `capPages`, so that the engine
 * refuses a `memory.grow` past the cap (the guest then traps, as under the Rust runtime's
 * limiter). Returns the bytes unchanged when the declared maximum is already within the cap. */
export function capMemory(bytes: Uint8Array, checked: CheckedModule, capPages: number): Uint8Array {
  if (checked.memoryMax !== null && checked.memoryMax <= capPages) return bytes;
  const content = [1, 0x01, ...leb(checked.memoryPages), ...leb(capPages)];
  const { start: header, end } = checked.memorySection;
  const section = [5, ...leb(content.length), ...content];
  const out = new Uint8Array(header + section.length + (bytes.length - end));
  out.set(bytes.subarray(0, header), 0);
  out.set(section, header);
  out.set(bytes.subarray(end), header + section.length);
  return out;
}

/** Bytes in `pages` pages. */
export const pagesToBytes = (pages: number): number => pages * PAGE;
