// The object API: records as JS values in, decisions as JS values out, agreeing with the
// NDJSON path record for record; 64-bit ints exact both ways.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { Policy } from "../dist/index.js";
import { build } from "./wasm.mjs";
import { ROOT, REFERENCE, compile } from "./support.mjs";

/** JSON text of a decision with its bigints written in full. */
function exact(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(exact).join(",")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${exact(x)}`).join(",")}}`;
  return JSON.stringify(v);
}

test("decisions of the object API are the NDJSON decisions, parsed", async () => {
  const { bytes } = compile(REFERENCE);
  const policy = await Policy.load(bytes, { batchRecords: 100 });
  const parses = (l) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  };
  // The corpus's lines that are JSON (some are broken on purpose).
  const lines = readFileSync(join(ROOT, "tests/golden/corpus-tenants.ndjson"), "utf8").split("\n").filter((l) => l.trim() && parses(l));
  const records = lines.map((l) => JSON.parse(l));
  const results = policy.evaluate(records);
  const expected = policy.evaluateNdjsonText(lines.join("\n")).trimEnd().split("\n");
  assert.equal(results.length, records.length);
  let refused = 0;
  results.forEach((r, i) => {
    if (!r.ok && /is beyond 2\^53/.test(r.error.message)) {
      // JSON.parse rounded an int of this line: the object API refuses it instead of guessing.
      assert.match(lines[i], /\d{16,}/, `record ${i}`);
      refused++;
      return;
    }
    if (r.ok) assert.equal(exact(r.decision), expected[i], `record ${i}`);
    else assert.deepEqual(r.error, JSON.parse(expected[i]).error, `record ${i}`);
  });
  assert.ok(refused < records.length / 10, `${refused} records refused`);
});

test("ints beyond 2^53 are exact as bigints and refused as unsafe numbers", async () => {
  const policy = await Policy.load(build());
  const results = policy.evaluate([
    { id: "big", a: 9007199254740993n, b: 1n },
    { id: "max", a: 9223372036854775807n, b: 0 },
    { id: "min", a: -9223372036854775808n, b: 0n },
    { id: "unsafe", a: 2 ** 60, b: 1 },
    { id: "fraction", a: 1.5, b: 1 },
    { id: "over", a: 9223372036854775808n, b: 1 },
    { id: "safe", a: 2 ** 52, b: -1 },
    { id: "missing", a: 1 },
    [1, 2],
  ]);
  assert.deepEqual(results, [
    { ok: true, decision: { id: "big", sum: 9007199254740994n, reasons: [] } },
    { ok: true, decision: { id: "max", sum: 9223372036854775807n, reasons: [] } },
    { ok: true, decision: { id: "min", sum: -9223372036854775808n, reasons: ["negative_sum"] } },
    { ok: false, error: { path: "a", message: "number 1152921504606846976 is beyond 2^53 and may have been rounded: pass it as a bigint" } },
    { ok: false, error: { path: "a", message: "expected int, found number 1.5" } },
    { ok: false, error: { path: "a", message: "9223372036854775808 does not fit in a 64-bit int" } },
    { ok: true, decision: { id: "safe", sum: 4503599627370495, reasons: [] } },
    { ok: false, error: { path: "b", message: "missing field" } },
    { ok: false, error: { path: "", message: "expected object, found list" } },
  ]);
});

test("ints in NDJSON keep every digit both ways", async () => {
  const policy = await Policy.load(build());
  const out = policy.evaluateNdjsonText(
    '{"id":"x","a":9007199254740993,"b":0}\n{"id":"y","a":-9223372036854775808,"b":0}\n{"id":"z","a":9223372036854775807,"b":1}\n',
  );
  assert.equal(
    out,
    '{"id":"x","sum":9007199254740993,"reasons":[]}\n{"id":"y","sum":-9223372036854775808,"reasons":["negative_sum"]}\n{"id":"z","sum":-9223372036854775808,"reasons":["negative_sum"]}\n',
  );
});

test("maps as JS objects: sorted like the NDJSON path, keys are data, decisions are objects", async () => {
  const { bytes } = compile(join(ROOT, "tests/conformance/maps/policy.dexp"));
  const policy = await Policy.load(bytes);
  // The conformance case's lines that are JSON, but for those that give a key twice (records
  // d, e, f, h, l), which JSON.parse reads as the last value, and record v, whose int 2^63 - 1
  // JSON.parse rounds (the object API refuses it, with the entry's path: checked below).
  const lines = readFileSync(join(ROOT, "tests/conformance/maps/input.ndjson"), "utf8").split("\n").filter((l) => {
    try {
      return !["d", "e", "f", "h", "l", "v"].includes(JSON.parse(l).id);
    } catch {
      return false;
    }
  });
  assert.ok(lines.length >= 10, `${lines.length} lines`);
  const results = policy.evaluate(lines.map((l) => JSON.parse(l)));
  const expected = policy.evaluateNdjsonText(lines.join("\n")).trimEnd().split("\n");
  results.forEach((r, i) => {
    if (r.ok) assert.equal(exact(r.decision), expected[i], lines[i]);
    else assert.deepEqual(r.error, JSON.parse(expected[i]).error, lines[i]);
  });
  // `__proto__` is a key like any other, both ways.
  const input = JSON.parse('{"id":"p","seats":{"__proto__":2,"E5":1},"plans":{},"tags":{},"nested":{},"products":[]}');
  const [r] = policy.evaluate([input]);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(Object.keys(r.decision.seats), ["E5", "__proto__"]);
  assert.equal(r.decision.seats["__proto__"], 2);
  assert.equal(Object.getPrototypeOf(r.decision.seats), Object.prototype);
  assert.equal(r.decision.skus, 2);
  const rounded = JSON.parse('{"id":"v","seats":{"a":9223372036854775807},"plans":{},"tags":{},"nested":{},"products":[]}');
  const [v] = policy.evaluate([rounded]);
  assert.equal(v.error.path, 'seats["a"]');
});

test("decimals as JS values: numbers through their shortest text, bigints and decimal text in, strings out", async () => {
  const { bytes } = compile(join(ROOT, "tests/conformance/decimals/policy.dexp"));
  const policy = await Policy.load(bytes);
  const base = { id: "a", b: 3, n: 19, items: [] };
  const results = policy.evaluate([
    { ...base, a: 19.99, c: 0.1, items: [{ price: 0.5, qty: 3 }] },
    { ...base, a: 1e-7 },
    { ...base, a: 10n },
    { ...base, a: "19.99" },
    { ...base, a: 1e13 },
  ]);
  assert.ok(results[0].ok, JSON.stringify(results[0]));
  // A decimal comes out as its canonical text: a JS number cannot hold 19.99 exactly.
  assert.equal(results[0].decision.a, "19.99");
  assert.equal(results[0].decision.c, "0.1");
  assert.equal(results[0].decision.product, "59.97");
  assert.equal(results[0].decision.quotient, "6.663333");
  assert.equal(results[0].decision.total, "1.5");
  assert.deepEqual(results[1].error, {
    path: "a",
    message: "1e-7 has more than 6 fractional digits; decimals are never rounded on input",
  });
  assert.equal(results[2].decision.a, "10");
  // Decimal text is read exactly, by the rules of a JSON number.
  assert.equal(results[3].decision.a, "19.99");
  assert.match(results[4].error.message, /^10000000000000 is outside the decimal range/);
  // The NDJSON path writes the same decimals as numbers, byte for byte the same digits.
  const line = JSON.stringify({ ...base, a: 19.99, c: 0.1, items: [{ price: 0.5, qty: 3 }] });
  const ndjson = policy.evaluateNdjsonText(line);
  for (const field of ["a", "c", "sum", "product", "quotient", "total", "cheapest"]) {
    assert.ok(ndjson.includes(`"${field}":${results[0].decision[field]},`), `${field} in ${ndjson}`);
  }
});
