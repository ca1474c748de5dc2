// Decimals in the JS host against `dexpc eval`: every number form at and past the decimal rules
// (see decimal-cases.mjs) through the NDJSON reader and the writer, byte for byte; a few of
// those answers spelled out; decimals inside maps and lists (decimal-shapes.dexp); and the object
// API, which takes decimals as number text, bigints or numbers and gives them back as canonical
// text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Policy } from "../dist/index.js";
import { ROOT, bytesOf, compile, dexpcEval, firstDifference } from "./support.mjs";
import { DECIMALS_CASE, DECIMAL_TEXTS, decimalInput } from "./decimal-cases.mjs";

const wasmPath = join(ROOT, DECIMALS_CASE, "policy.wasm");
const bytes = bytesOf(wasmPath);
const input = decimalInput();
const expected = dexpcEval(wasmPath, input);

/** The decision or error line of record `id` in an NDJSON output. */
function lineOf(output, id) {
  const text = Buffer.from(output).toString("utf8");
  const line = text.split("\n").find((l) => l.includes(`"id":${JSON.stringify(id)}`) || l.includes(`"key":${JSON.stringify(id)}`));
  assert.ok(line, `no line for ${id}`);
  return JSON.parse(line);
}

for (const batchRecords of [1, 5, 1024]) {
  test(`decimal edge cases give dexpc eval's bytes (batches of ${batchRecords})`, async () => {
    const policy = await Policy.load(bytes, { batchRecords });
    const actual = policy.evaluateNdjson(input);
    assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), firstDifference(actual, expected));
  });
}

test("decimals are exact in, canonical out, and refused with their path when inexact", async () => {
  const policy = await Policy.load(bytes);
  const out = Buffer.from(policy.evaluateNdjson(input)).toString("utf8");
  const at = (text, id = "a") => lineOf(out, `${id}${DECIMAL_TEXTS.indexOf(text)}`);
  // JSON.parse would round these; the raw text shows what was written.
  const rawOf = (id, field) => out.split("\n").find((l) => l.includes(`"id":"${id}"`))?.match(new RegExp(`"${field}":(-?[0-9.]+)`))?.[1];
  const raw = (text) => rawOf(`a${DECIMAL_TEXTS.indexOf(text)}`, "a");
  assert.equal(raw("1999e-2"), "19.99");
  assert.equal(raw("19.990"), "19.99");
  assert.equal(raw("1e-6"), "0.000001");
  assert.equal(raw("-0.0"), "0");
  assert.equal(raw("1E+2"), "100");
  assert.equal(rawOf("ends", "a"), "9223372036854.775807");
  assert.equal(rawOf("ends", "c"), "-9223372036854.775808");
  assert.deepEqual(at("0.0000001").error, {
    path: "a",
    message: "0.0000001 has more than 6 fractional digits; decimals are never rounded on input",
  });
  assert.deepEqual(at("1e13").error, {
    path: "a",
    message: "1e13 is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)",
  });
  assert.deepEqual(at("9223372036854.775808").error.message, "9223372036854.775808 is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)");
  assert.deepEqual(at('"19.99"').error, { path: "a", message: "expected decimal, found string" });
  assert.deepEqual(at("null", "c").decision?.c ?? null, null);
  assert.deepEqual(at("true", "c").error, { path: "c", message: "expected decimal or null, found true" });
  assert.deepEqual(at("1e-7", "p").error, { path: "items[1].price", message: "1e-7 has more than 6 fractional digits; decimals are never rounded on input" });
  const long = at(`0.${"0".repeat(70)}1`).error.message;
  assert.equal(long, `0.${"0".repeat(62)}... has more than 6 fractional digits; decimals are never rounded on input`);
});

test("the object API takes decimals as text, bigints and numbers and gives canonical text", async () => {
  const policy = await Policy.load(bytes);
  const rec = (a, extra = {}) => ({ id: "x", a, b: 3, n: 0, items: [], ...extra });
  const [text, big, num, fromJson, optional] = policy.evaluate([
    rec("1999e-2", { c: "-0.000" }),
    rec(9223372n, { c: -9223372036854n }),
    rec(0.1, { items: [{ price: 19.99, qty: 3 }] }),
    rec({ toJSON: () => "0.5" }),
    rec("9223372036854.775807", { b: "-1", c: null }),
  ]);
  assert.deepEqual(text.decision.a, "19.99");
  assert.deepEqual(text.decision.c, "0");
  assert.deepEqual(text.decision.sum, "22.99");
  assert.deepEqual(text.decision.quotient, "6.663333");
  assert.deepEqual(big.decision.a, "9223372");
  assert.deepEqual(big.decision.c, "-9223372036854");
  assert.deepEqual(num.decision.a, "0.1");
  assert.deepEqual(num.decision.total, "59.97");
  assert.deepEqual(num.decision.items, [{ price: "19.99", qty: 3 }]);
  assert.deepEqual(fromJson.decision.a, "0.5");
  assert.deepEqual(optional.decision.product, "-9223372036854.775807");
  assert.equal(optional.decision.c, null);

  const errors = policy.evaluate([
    rec("0.0000001"),
    rec(1e-7),
    rec("1e13"),
    rec(10n ** 13n),
    rec(-(10n ** 13n)),
    rec("19,99"),
    rec(" 1"),
    rec(0.1 + 0.2),
    rec(Number.NaN),
    rec(Infinity),
    rec(true),
    rec([]),
    rec(1, { c: false }),
  ]).map((r) => r.error);
  assert.deepEqual(errors, [
    { path: "a", message: "0.0000001 has more than 6 fractional digits; decimals are never rounded on input" },
    { path: "a", message: "1e-7 has more than 6 fractional digits; decimals are never rounded on input" },
    { path: "a", message: "1e13 is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)" },
    { path: "a", message: "10000000000000 is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)" },
    { path: "a", message: "-10000000000000 is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)" },
    { path: "a", message: '"19,99" is not a decimal: expected number text such as "19.99", "-0.5" or "1e3"' },
    { path: "a", message: '" 1" is not a decimal: expected number text such as "19.99", "-0.5" or "1e3"' },
    { path: "a", message: "0.30000000000000004 has more than 6 fractional digits; decimals are never rounded on input" },
    { path: "a", message: "number NaN cannot be written as JSON" },
    { path: "a", message: "number Infinity cannot be written as JSON" },
    { path: "a", message: "expected decimal, found true" },
    { path: "a", message: "expected decimal, found list" },
    { path: "c", message: "expected decimal or null, found false" },
  ]);
});

test("the object API reads decimal text as the NDJSON reader reads the same number", async () => {
  const policy = await Policy.load(bytes);
  const numbers = DECIMAL_TEXTS.filter((t) => {
    try {
      return typeof JSON.parse(t) === "number";
    } catch {
      return false;
    }
  });
  const lines = numbers.map((t) => `{"id":"x","a":${t},"b":3,"n":0,"items":[]}`);
  const fromText = policy.evaluateNdjsonText(lines.join("\n")).trimEnd().split("\n");
  const fromValues = policy.evaluate(numbers.map((t) => ({ id: "x", a: t, b: 3, n: 0, items: [] })));
  assert.equal(fromValues.length, numbers.length);
  numbers.forEach((t, i) => {
    const want = fromText[i];
    const got = fromValues[i];
    if (got.ok) assert.equal(got.decision.a, want.match(/"a":(-?[0-9.]+)/)?.[1], t);
    else assert.deepEqual(got.error, JSON.parse(want).error, t);
  });
  assert.ok(fromValues.some((r) => r.ok) && fromValues.some((r) => !r.ok));
});

test("decimals in maps, lists and optional fields read and write as dexpc eval does", async () => {
  const { path, bytes: shapes } = compile(join(ROOT, "hosts/js/test/decimal-shapes.dexp"));
  const lines = [
    '{"id":"a","prices":{"b":1.50,"a":-0.0000010e1},"nested":{"x":[],"y":[2e-6, 19.990]},"lines":[{"price":null,"tags":[1,2.5e0,-0]},{"tags":[]},{"price":3.000001,"tags":[0.1]}]}',
    '{"id":"b","prices":{"k":1e-7},"nested":{},"lines":[]}',
    '{"id":"c","prices":{},"nested":{"z":["1"]},"lines":[]}',
    '{"id":"d","prices":{},"nested":{},"lines":[{"tags":[1,2,0.00000001]}]}',
    '{"id":"e","prices":{"a":1,"a":2},"nested":{},"lines":[]}',
    '{"id":"f","prices":{"m":9223372036854.775807,"n":-9223372036854.775808},"nested":{"q":[1e13]},"lines":[]}',
  ];
  const input = new TextEncoder().encode(lines.join("\n"));
  const want = dexpcEval(path, input);
  const policy = await Policy.load(shapes, { batchRecords: 2 });
  const got = policy.evaluateNdjson(input);
  assert.ok(Buffer.from(got).equals(Buffer.from(want)), firstDifference(got, want));
  assert.match(Buffer.from(got).toString(), /"prices":\{"a":-0\.00001,"b":1\.5\}/);

  const [first, tooPrecise] = policy.evaluate([
    { id: "a", prices: { b: "1.50", a: -0.00001 }, nested: { y: [2e-6, "19.990"], x: [] }, lines: [{ price: null, tags: [1n, 2.5, "-0"] }, { tags: [] }, { price: "3.000001", tags: ["0.1"] }] },
    { id: "d", prices: {}, nested: {}, lines: [{ tags: [1, 2, "0.00000001"] }] },
  ]);
  assert.deepEqual(first.decision, {
    id: "a",
    prices: { a: "-0.00001", b: "1.5" },
    nested: { x: [], y: ["0.000002", "19.99"] },
    lines: [{ price: null, tags: ["1", "2.5", "0"] }, { price: null, tags: [] }, { price: "3.000001", tags: ["0.1"] }],
    total: "3.000001",
  });
  assert.deepEqual(tooPrecise.error, { path: "lines[0].tags[2]", message: "0.00000001 has more than 6 fractional digits; decimals are never rounded on input" });
});
