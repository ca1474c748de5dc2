// Hostile and broken modules, the cases of `runtime/tests/hostile.rs`: each is refused at load
// with the same reason (a `LoadError` code) or stopped during a batch with a typed error, and
// never yields a decision. The modules are built by hand in `wasm.mjs`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Policy, LoadError } from "../dist/index.js";
import { build, metadata } from "./wasm.mjs";

const MEMORY = ["memory", 2, 0];
const HEAP = ["dexp_heap_base", 3, 0];
const EVAL = ["dexp_eval", 0, 0];

async function refused(spec) {
  try {
    await Policy.load(build(spec));
  } catch (e) {
    assert.ok(e instanceof LoadError, `not a LoadError: ${e}`);
    return e;
  }
  assert.fail("the module was loaded");
}

const ONE = '{"id":"a","a":1,"b":2}';

test("the hand-written module loads and decides", async () => {
  const policy = await Policy.load(build());
  const out = policy.evaluateNdjsonText(`${ONE}\n{"id":"z","a":-3,"b":3}\n{"id":"n","a":-3,"b":1}\n`);
  assert.equal(
    out,
    '{"id":"a","sum":3,"reasons":[]}\n{"id":"z","sum":0,"reasons":["zero_sum"]}\n{"id":"n","sum":-2,"reasons":["negative_sum"]}\n',
  );
});

test("imports are refused", async () => {
  const e = await refused({ import: true });
  assert.equal(e.code, "import");
  assert.equal(e.message, "the module imports `env.now`, but a policy may import nothing");
});

test("start functions are refused", async () => {
  assert.equal((await refused({ start: true })).code, "start_function");
});

test("invalid bytes are refused", async () => {
  for (const bytes of [new Uint8Array([]), new Uint8Array([0, 0x61, 0x73, 0x6d]), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]) {
    await assert.rejects(Policy.load(bytes), (e) => e instanceof LoadError && e.code === "invalid");
  }
  const good = build();
  await assert.rejects(Policy.load(good.subarray(0, good.length - 10)), (e) => e.code === "invalid");
});

test("metadata must be there once, with this ABI version, a hash, a consistent schema and its layout", async () => {
  assert.equal((await refused({ sections: [] })).code, "missing_metadata");
  assert.equal((await refused({ sections: [metadata(), metadata()] })).code, "duplicate_metadata");
  const version = await refused({ sections: [metadata((m) => ({ ...m, abi_version: 2 }))] });
  assert.equal(version.code, "abi_version");
  assert.equal(version.message, "the module was built for ABI version 2, this runtime supports version 1");
  assert.equal((await refused({ sections: [new TextEncoder().encode("{not json")] })).code, "metadata_json");
  const moved = (m) => {
    m.layout.records[0].fields[0].offset = 0;
    return m;
  };
  assert.equal((await refused({ sections: [metadata(moved)] })).code, "layout_mismatch");
  const dangling = (m) => {
    m.schema.records[1].fields[2].ty = { codes: 7 };
    return m;
  };
  const schema = await refused({ sections: [metadata(dangling)] });
  assert.equal(schema.code, "schema");
  assert.equal(schema.message, "the schema is not valid: field `Output.reasons`: unknown group 7");
  assert.equal((await refused({ sections: [metadata((m) => ({ ...m, source_hash: "XYZ" }))] })).code, "source_hash");
});

test("exports must match exactly", async () => {
  assert.equal((await refused({ exports: [MEMORY, HEAP] })).message, "the module does not export `dexp_eval`");
  const extra = await refused({ exports: [MEMORY, HEAP, EVAL, ["debug", 0, 1]] });
  assert.equal(extra.code, "unexpected_export");
  assert.equal(extra.message, "the module exports `debug`, which the ABI does not define");
  assert.equal((await refused({ exports: [HEAP, EVAL] })).code, "missing_export");
  const mutable = await refused({ exports: [MEMORY, ["dexp_heap_base", 3, 1], EVAL] });
  assert.equal(mutable.code, "wrong_export");
  assert.equal(mutable.message, "the export `dexp_heap_base` is a mutable i32 global, but the ABI requires an immutable i32 global");
  const helper = await refused({ exports: [MEMORY, HEAP, ["dexp_eval", 0, 1]] });
  assert.equal(helper.code, "wrong_export");
  const kind = await refused({ exports: [MEMORY, ["dexp_heap_base", 0, 1], EVAL] });
  assert.equal(kind.message, "the export `dexp_heap_base` is function 1, but the ABI requires an immutable i32 global");
});

test("memories must be plain and within the cap", async () => {
  assert.equal((await refused({ memory: { flags: 3, min: 1, max: 2 } })).code, "invalid");
  const big = await refused({ memory: { flags: 0, min: 8192 } });
  assert.equal(big.code, "memory");
  assert.equal(big.message, "the module's memory is not usable: it starts at 536870912 bytes, more than the cap of 268435456 bytes");
  await assert.rejects(Policy.load(new Uint8Array(64 * 1024 * 1024 + 1)), (e) => e.code === "too_large");
});

test("growing memory past the cap is a memory-limit error for the batch, and the next batch runs", async () => {
  const grower = await Policy.load(build({ body: "grow" }), { memoryBytes: 8 << 20 });
  const out = grower.evaluateNdjsonText(`${ONE}\n`);
  assert.equal(
    out,
    '{"line":1,"id":"a","error":{"path":"","message":"stopped by the runtime\'s limits: the batch needs more than the memory cap of 8388608 bytes"}}\n',
  );
  // A batch that does not fit under the cap is refused before the guest runs; alone, each
  // record fits, so each is decided. (Batches closed at 8 MiB, not the default 256 KiB, so
  // that the three records make one batch.)
  const small = await Policy.load(build(), { memoryBytes: 2 << 20, batchBytes: 8 << 20 });
  const long = "x".repeat(900 << 10);
  const line = `{"id":"${long}","a":1,"b":2}`;
  const text = small.evaluateNdjsonText([line, line, line].join("\n"));
  assert.ok(text === `{"id":"${long}","sum":3,"reasons":[]}\n`.repeat(3), text.replace(/x{100,}/g, "x..."));
  const alone = await Policy.load(build(), { memoryBytes: 512 << 10 });
  assert.match(alone.evaluateNdjsonText(line), /"message":"stopped by the runtime's limits: the batch needs more than the memory cap of 524288 bytes"/);
});

test("stack exhaustion is a typed error", async () => {
  const policy = await Policy.load(build({ body: "recurse" }));
  const out = policy.evaluateNdjsonText(ONE);
  assert.equal(out, '{"line":1,"id":"a","error":{"path":"","message":"stopped by the runtime\'s limits: the policy exhausted its stack"}}\n');
  const results = policy.evaluate([{ id: "a", a: 1, b: 2 }]);
  assert.deepEqual(results, [{ ok: false, error: { path: "", message: "stopped by the runtime's limits: the policy exhausted its stack" } }]);
});

test("invalid decisions are never reported as decisions", async () => {
  const status = await Policy.load(build({ body: "status", status: 9, site: 0 }));
  assert.match(status.evaluateNdjsonText(ONE), /the policy wrote an invalid decision for record 0: unknown status 9/);
  const site = await Policy.load(build({ body: "status", status: 1, site: 5 }));
  assert.match(site.evaluateNdjsonText(ONE), /unknown error site 5/);
  const overflow = await Policy.load(build({ body: "status", status: 1, site: 0 }));
  assert.equal(overflow.evaluateNdjsonText(ONE), '{"line":1,"id":"a","error":{"path":"a + b","message":"integer overflow"}}\n');
  const varEnd = await Policy.load(build({ body: "varEnd", value: -1 }));
  assert.match(varEnd.evaluateNdjsonText(ONE), /the returned var_end 4294967295 is out of bounds/);
});
