// A checked, compiled policy module and its evaluator: batches of records go through the
// memory protocol of the ABI (input area, decision area, variable area above
// `dexp_heap_base`), decisions come back as the exact bytes `dexpc eval` writes or as JS values.

import { EvalError, LoadError, type RecordError } from "./errors.js";
import { decodeMetadata, type Metadata, type Schema } from "./metadata.js";
import { capMemory, checkModule, pagesToBytes } from "./module.js";
import { Shape } from "./shape.js";
import { Bytes, encodeUtf8, jsonString } from "./json.js";
import { ValueEncoder } from "./objects.js";
import { DecisionReader, DecodeError, utf8ValidUpTo } from "./decode.js";

/** The longest NDJSON line read, in bytes; longer lines are rejected. */
export const MAX_LINE_BYTES = 16 << 20;
const PAGE = 1 << 16;
const UNWRITTEN = 0xffffffff;
const STATUS_MESSAGES: Record<number, string> = {
  1: "integer overflow",
  2: "date out of range",
  3: "division by zero",
  4: "too many values for a distinct count",
};
const NEWLINE = new Uint8Array([0x0a]);

/** Limits of a loaded policy; the defaults are the Rust runtime's. */
export interface Options {
  /** The most bytes the module's linear memory may hold. Default: 256 MiB. */
  memoryBytes?: number;
  /** The most records in one batch. Default: 1024. */
  batchRecords?: number;
  /** The encoded bytes after which a batch is closed. Default: 256 KiB (a batch then stays in a core's L2 cache). */
  batchBytes?: number;
}

/** One record's outcome from `Policy.evaluate`: its decision, or why it has none. */
export type Outcome<D = Record<string, unknown>> = { ok: true; decision: D } | { ok: false; error: RecordError };

interface Live {
  memory: WebAssembly.Memory;
  evaluate: (n: number, inPtr: number, outPtr: number, varPtr: number, varLen: number) => number;
  heapBase: number;
}

/** Where a batch lies in memory. */
interface Placement {
  n: number;
  inPtr: number;
  outPtr: number;
  varPtr: number;
  varLen: number;
}

/** What a pending line became, in input order. */
type Pending =
  | { line: number; start: number; end: number; error: null }
  | { line: number; key: string | null; error: RecordError };

const align8 = (v: number): number => Math.ceil(v / 8) * 8;

/** Whether all of `b` is UTF-8: ASCII is skipped four bytes at a time, the rest is checked by
 * `utf8ValidUpTo` from the first byte that is not ASCII. */
function isUtf8(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  while (i < n && (b.byteOffset + i) % 4 !== 0) {
    if ((b[i] as number) >= 0x80) return utf8ValidUpTo(b, i, n) < 0;
    i++;
  }
  const words = new Uint32Array(b.buffer, b.byteOffset + i, (n - i) >>> 2);
  let w = 0;
  while (w < words.length && ((words[w] as number) & 0x80808080) === 0) w++;
  return utf8ValidUpTo(b, i + w * 4, n) < 0;
}

/** A policy module that passed every check, compiled, with one live instance reused from batch
 * to batch. Load with `Policy.load`. Not shared between threads (make one per worker). */
export class Policy {
  /** What the module says about itself. */
  readonly metadata: Metadata;
  private readonly shape: Shape;
  private readonly module: WebAssembly.Module;
  private readonly memoryBytes: number;
  private readonly batchRecords: number;
  private readonly batchBytes: number;
  private live: Live | null = null;
  private readonly enc: ValueEncoder;
  private readonly reader: DecisionReader;
  private readonly keyBytes: Uint8Array | null;
  private out = new Bytes(1 << 16);
  private place: Placement | null = null;
  private mem: Uint8Array = new Uint8Array(0);

  private constructor(metadata: Metadata, module: WebAssembly.Module, options: Options) {
    this.metadata = metadata;
    this.shape = new Shape(metadata.schema, metadata.layout);
    this.module = module;
    this.memoryBytes = options.memoryBytes ?? 256 << 20;
    this.batchRecords = Math.max(1, options.batchRecords ?? 1024);
    this.batchBytes = options.batchBytes ?? 256 << 10;
    this.enc = new ValueEncoder(this.shape);
    this.reader = new DecisionReader(this.shape);
    this.keyBytes = this.shape.keyName === null ? null : encodeUtf8(this.shape.keyName);
  }

  /** Checks an untrusted module exactly as the Rust runtime does and compiles it. Throws a
   * `LoadError` whose `code` says why a module is refused. */
  static async load(bytes: Uint8Array | ArrayBuffer, options: Options = {}): Promise<Policy> {
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const checked = checkModule(view);
    const metadata = decodeMetadata(checked.metadata);
    checkCoverage(checked.coverage, metadata);
    const cap = options.memoryBytes ?? 256 << 20;
    const initial = pagesToBytes(checked.memoryPages);
    if (initial > cap) {
      throw new LoadError("memory", `the module's memory is not usable: it starts at ${initial} bytes, more than the cap of ${cap} bytes`);
    }
    const capped = capMemory(view, checked, Math.floor(cap / PAGE));
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(capped as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new LoadError("compile", `the module cannot be compiled: ${e instanceof Error ? e.message : String(e)}`);
    }
    return new Policy(metadata, module, options);
  }

  /** Bytes of linear memory the live instance holds (0 when none is live): batches reuse it and
   * grow it only when a batch needs more. */
  memoryBytesInUse(): number {
    return this.live ? this.live.memory.buffer.byteLength : 0;
  }

  /** The policy's input and output types. */
  get schema(): Schema {
    return this.metadata.schema;
  }

  /** Evaluates NDJSON: one record per line, blank lines skipped. Returns exactly the bytes
   * `dexpc eval` writes for the same input: one line per non-blank input line, in order, the
   * decision or the error object `{"line":N,"<key>":...,"error":{"path":...,"message":...}}`.
   * A string is read as its UTF-8 encoding. */
  evaluateNdjson(input: string | Uint8Array): Uint8Array {
    const bytes = typeof input === "string" ? encodeUtf8(input) : input;
    // One check of the whole input; lines are checked one by one only when it fails.
    const allValid = typeof input === "string" || isUtf8(bytes);
    const out = this.out;
    out.len = 0;
    const pending: Pending[] = [];
    this.enc.clear();
    let line = 0;
    let pos = 0;
    while (pos < bytes.length) {
      const nl = bytes.indexOf(0x0a, pos);
      const lineEnd = nl < 0 ? bytes.length : nl;
      line++;
      this.readLine(bytes, pos, lineEnd, line, allValid, pending);
      if (this.enc.count >= this.batchRecords || this.enc.encodedLen() >= this.batchBytes) {
        this.flushNdjson(bytes, pending);
      }
      pos = lineEnd + 1;
    }
    this.flushNdjson(bytes, pending);
    return out.buf.slice(0, out.len);
  }

  /** `evaluateNdjson` with the output decoded as text. */
  evaluateNdjsonText(input: string | Uint8Array): string {
    return new TextDecoder("utf-8", { ignoreBOM: true }).decode(this.evaluateNdjson(input));
  }

  /** Evaluates records given as JS values: one outcome per record, in order. Ints may be
   * `bigint`s or safe-integer `number`s (an unsafe `number` is an error for its record, never a
   * rounding); dates are `YYYY-MM-DD` strings; absent optionals are `null` or missing. Ints
   * in decisions are `number`s when safe and `bigint`s otherwise. */
  evaluate<D = Record<string, unknown>, I = unknown>(records: readonly I[]): Outcome<D>[] {
    const results: Outcome<D>[] = [];
    let batch: { index: number; value: unknown }[] = [];
    this.enc.clear();
    for (let i = 0; i < records.length; i++) {
      const error = this.enc.pushValue(records[i]);
      if (error) {
        results[i] = { ok: false, error };
        continue;
      }
      batch.push({ index: i, value: records[i] });
      if (this.enc.count >= this.batchRecords || this.enc.encodedLen() >= this.batchBytes) {
        this.runObjects(batch, results);
        batch = [];
      }
    }
    this.runObjects(batch, results);
    return results;
  }

  // --- NDJSON -------------------------------------------------------------------------------

  private readLine(b: Uint8Array, start: number, end0: number, line: number, allValid: boolean, pending: Pending[]): void {
    if (end0 - start > MAX_LINE_BYTES) {
      const message = `line of ${end0 - start} bytes is longer than the limit of ${MAX_LINE_BYTES} bytes`;
      pending.push({ line, key: null, error: { path: "", message } });
      return;
    }
    let end = end0;
    if (end > start && b[end - 1] === 0x0d) end--;
    // Blank: only spaces, tabs and carriage returns (docs/abi.md); skipped, but counted.
    let blank = true;
    for (let i = start; i < end; i++) {
      const c = b[i] as number;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        blank = false;
        break;
      }
    }
    if (blank) return;
    if (!allValid) {
      const bad = utf8ValidUpTo(b, start, end);
      if (bad >= 0) {
        pending.push({ line, key: null, error: { path: "", message: `invalid UTF-8 at byte ${bad}` } });
        return;
      }
    }
    // The runtime strips one more carriage return.
    if (end > start && b[end - 1] === 0x0d) end--;
    const error = this.enc.pushJson(b, start, end);
    if (error === null) pending.push({ line, start, end, error: null });
    else pending.push({ line, key: this.probe(b, start, end), error });
  }

  private probe(b: Uint8Array, start: number, end: number): string | null {
    return this.keyBytes === null ? null : this.enc.probeKey(b, start, end, this.keyBytes);
  }

  private flushNdjson(b: Uint8Array, pending: Pending[]): void {
    if (pending.length === 0) return;
    const out = this.out;
    const mark = out.len;
    try {
      if (this.enc.count > 0) this.run();
      let next = 0;
      for (const p of pending) {
        if (p.error !== null) {
          this.errorLine(p.line, p.key, p.error);
          out.push(NEWLINE);
          continue;
        }
        const i = next++;
        const status = this.status(i);
        if (status === null) this.reader.writeJson(this.recordAt(i), out);
        else this.errorLine(p.line, this.enc.key(i), status);
        out.push(NEWLINE);
      }
    } catch (e) {
      // The batch failed as a whole: try each record alone, so that only the record that
      // caused the failure is rejected.
      if (!(e instanceof EvalError) && !(e instanceof DecodeError)) throw e;
      out.len = mark;
      this.retryEach(b, pending);
    }
    pending.length = 0;
    this.enc.clear();
  }

  private retryEach(b: Uint8Array, pending: Pending[]): void {
    const out = this.out;
    for (const p of pending) {
      if (p.error !== null) {
        this.errorLine(p.line, p.key, p.error);
        out.push(NEWLINE);
        continue;
      }
      const mark = out.len;
      try {
        this.enc.clear();
        this.enc.pushJson(b, p.start, p.end);
        this.run();
        const status = this.status(0);
        if (status === null) this.reader.writeJson(this.recordAt(0), out);
        else this.errorLine(p.line, this.enc.key(0), status);
        out.push(NEWLINE);
      } catch (e) {
        if (!(e instanceof EvalError) && !(e instanceof DecodeError)) throw e;
        out.len = mark;
        const error = asEvalError(e, 0);
        const message = `stopped by the runtime's limits: ${error.message}`;
        this.errorLine(p.line, this.probe(b, p.start, p.end), { path: "", message });
        out.push(NEWLINE);
      }
    }
  }

  private errorLine(line: number, key: string | null, error: RecordError): void {
    let text = `{"line":${line}`;
    if (key !== null && this.shape.keyName !== null) text += `,${jsonString(this.shape.keyName)}:${jsonString(key)}`;
    text += `,"error":{"path":${jsonString(error.path)},"message":${jsonString(error.message)}}}`;
    this.out.push(encodeUtf8(text));
  }

  // --- objects ------------------------------------------------------------------------------

  private runObjects<D>(batch: { index: number; value: unknown }[], results: Outcome<D>[]): void {
    if (batch.length === 0) return;
    const outcomes: Outcome<D>[] = [];
    try {
      this.run();
      batch.forEach((_, i) => outcomes.push(this.outcome<D>(i)));
    } catch (e) {
      if (!(e instanceof EvalError) && !(e instanceof DecodeError)) throw e;
      outcomes.length = 0;
      for (const t of batch) {
        try {
          this.enc.clear();
          this.enc.pushValue(t.value);
          this.run();
          outcomes.push(this.outcome<D>(0));
        } catch (inner) {
          if (!(inner instanceof EvalError) && !(inner instanceof DecodeError)) throw inner;
          const message = `stopped by the runtime's limits: ${asEvalError(inner, 0).message}`;
          outcomes.push({ ok: false, error: { path: "", message } });
        }
      }
    }
    batch.forEach((t, i) => {
      results[t.index] = outcomes[i] as Outcome<D>;
    });
    this.enc.clear();
  }

  private outcome<D>(i: number): Outcome<D> {
    const status = this.status(i);
    if (status !== null) return { ok: false, error: status };
    return { ok: true, decision: this.reader.value(this.recordAt(i)) as D };
  }

  // --- the memory protocol ------------------------------------------------------------------

  private instance(): Live {
    if (this.live) return this.live;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(this.module, {});
    } catch (e) {
      throw new EvalError("instantiate", `the policy cannot be instantiated: ${e instanceof Error ? e.message : String(e)}`);
    }
    const exports = instance.exports as Record<string, unknown>;
    const memory = exports.memory as WebAssembly.Memory;
    const heap = exports.dexp_heap_base as WebAssembly.Global;
    const evaluate = exports.dexp_eval as Live["evaluate"];
    this.live = { memory, evaluate, heapBase: (heap.value as number) >>> 0 };
    return this.live;
  }

  private memoryLimit(): EvalError {
    return new EvalError("memory_limit", `the batch needs more than the memory cap of ${this.memoryBytes} bytes`);
  }

  /** Copies the encoded batch into memory and runs the guest on it. */
  private run(): void {
    const live = this.instance();
    const layout = this.shape.layout;
    const n = this.enc.count;
    const inPtr = align8(live.heapBase);
    const outPtr = align8(inPtr + n * layout.input_size);
    const varPtr = align8(outPtr + n * layout.slot.size);
    const varLen = this.enc.vars.len;
    const end = varPtr + varLen;
    if (end > 0xffffffff) throw new EvalError("batch_too_large", "the batch is too large for a 32-bit memory");
    const have = live.memory.buffer.byteLength;
    if (end > have) {
      if (end > this.memoryBytes) {
        this.live = null;
        throw this.memoryLimit();
      }
      try {
        live.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        this.live = null;
        throw this.memoryLimit();
      }
    }
    let mem = new Uint8Array(live.memory.buffer);
    mem.set(this.enc.records.buf.subarray(0, this.enc.records.len), inPtr);
    mem.set(this.enc.vars.buf.subarray(0, varLen), varPtr);
    const dv = new DataView(mem.buffer);
    for (let i = 0; i < n; i++) dv.setUint32(outPtr + i * layout.slot.size, UNWRITTEN, true);
    let varEnd: number;
    try {
      varEnd = live.evaluate(n, inPtr | 0, outPtr | 0, varPtr | 0, varLen | 0) >>> 0;
    } catch (e) {
      this.live = null;
      this.place = null;
      throw this.classify(e);
    }
    mem = new Uint8Array(live.memory.buffer);
    if (varEnd < varLen || varPtr + varEnd > mem.length) {
      throw new EvalError("bad_decision", `the policy wrote an invalid decision for record 0: the returned var_end ${varEnd} is out of bounds`);
    }
    this.mem = mem;
    this.place = { n, inPtr, outPtr, varPtr, varLen };
    this.reader.bind(mem, varPtr, varEnd);
  }

  private classify(e: unknown): EvalError {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return new EvalError("stack_overflow", "the policy exhausted its stack");
    }
    if (e instanceof WebAssembly.RuntimeError) {
      // The guest executes `unreachable` exactly when the memory it needs cannot be had: the
      // engine refused to grow it past the cap this host set as the memory's maximum.
      if (/unreachable/i.test(e.message)) return this.memoryLimit();
      return new EvalError("trap", `the policy trapped: ${e.message}`);
    }
    if (e instanceof Error) return new EvalError("trap", `the policy trapped: ${e.message}`);
    return new EvalError("trap", `the policy trapped: ${String(e)}`);
  }

  /** Record `i`'s evaluation error, or null when it was decided. */
  private status(i: number): RecordError | null {
    const place = this.place as Placement;
    const at = place.outPtr + i * this.shape.layout.slot.size;
    const dv = new DataView(this.mem.buffer);
    const status = dv.getUint32(at, true);
    if (status === 0) return null;
    const message = STATUS_MESSAGES[status];
    if (message === undefined) throw badDecision(i, `unknown status ${status}`);
    const site = dv.getUint32(at + 4, true);
    const path = this.metadata.sites[site];
    if (path === undefined) throw badDecision(i, `unknown error site ${site}`);
    return { path, message };
  }

  private recordAt(i: number): number {
    const place = this.place as Placement;
    return place.outPtr + i * this.shape.layout.slot.size + this.shape.layout.slot.record;
  }
}

function badDecision(record: number, message: string): EvalError {
  return new EvalError("bad_decision", `the policy wrote an invalid decision for record ${record}: ${message}`);
}

function asEvalError(e: EvalError | DecodeError, record: number): EvalError {
  return e instanceof EvalError ? e : badDecision(record, e.message);
}

function checkCoverage(found: { address: number; heapBase: number } | null, metadata: Metadata): void {
  const table = metadata.coverage;
  if (found === null && table === undefined) return;
  if (found !== null && table === undefined) {
    throw new LoadError("coverage", "the module's coverage counters are not usable: it exports `dexp_coverage` but its metadata has no coverage table");
  }
  if (found === null) {
    throw new LoadError("coverage", "the module's coverage counters are not usable: its metadata has a coverage table but it does not export `dexp_coverage`");
  }
  const count = table?.length ?? 0;
  if (found.address % 8 !== 0 || found.address + 8 * count > found.heapBase) {
    throw new LoadError(
      "coverage",
      `the module's coverage counters are not usable: ${count} counters at address ${found.address} do not fit 8-aligned below \`dexp_heap_base\` (${found.heapBase})`,
    );
  }
}
