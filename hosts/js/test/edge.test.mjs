// The package against `dexpc eval` on hand-made edge cases and seeded random mutations of a
// tenant line: every syntax error of serde_json with its column, numbers at and past the 64-bit
// range, escapes and surrogates, blank, CRLF and invalid UTF-8 lines, limits. The expected
// bytes come from `dexpc eval` on the same input, so the Rust runtime is the specification.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Policy } from "../dist/index.js";
import { REFERENCE, compile, dexpcEval, firstDifference } from "./support.mjs";
import { base, edgeInput, lines, sub } from "./edge-cases.mjs";

const { path, bytes } = compile(REFERENCE);
const input = edgeInput();
const expected = dexpcEval(path, input);

for (const batchRecords of [1, 7, 1024]) {
  test(`edge cases and mutations give dexpc eval's bytes (batches of ${batchRecords})`, async () => {
    const policy = await Policy.load(bytes, { batchRecords });
    const actual = policy.evaluateNdjson(input);
    assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), firstDifference(actual, expected));
  });
}

test("text input reads as its UTF-8 encoding", async () => {
  const policy = await Policy.load(bytes);
  const text = [...lines()].join("\n");
  const actual = policy.evaluateNdjson(text);
  const want = dexpcEval(path, new TextEncoder().encode(text));
  assert.ok(Buffer.from(actual).equals(Buffer.from(want)), firstDifference(actual, want));
});

test("a line over 16 MiB is rejected by its length and its neighbours are decided", async () => {
  const policy = await Policy.load(bytes);
  const long = `{"tenant_id":"${"x".repeat(16 << 20)}"}`;
  const text = `${base}\n${long}\n${base}\n`;
  const actual = policy.evaluateNdjson(text);
  const want = dexpcEval(path, new TextEncoder().encode(text));
  assert.ok(Buffer.from(actual).equals(Buffer.from(want)), firstDifference(actual, want));
  assert.match(Buffer.from(actual).toString(), /"line":2,"error":\{"path":"","message":"line of 16777232 bytes/);
});

test("strings and lists at their limits", async () => {
  const policy = await Policy.load(bytes);
  const product = '{"product":"endpoint","licensed":true,"mode":"active"}';
  const text = [
    sub('"tenant_id":"tenant-1"', `"tenant_id":"${"s".repeat(1 << 20)}"`),
    sub('"tenant_id":"tenant-1"', `"tenant_id":"${"s".repeat((1 << 20) + 1)}"`),
    sub('"products":[', `"products":[${Array(65536).fill(product).join(",")}],"x":[`),
    sub('"products":[', `"products":[${Array(65537).fill(product).join(",")}],"x":[`),
  ].join("\n");
  const actual = policy.evaluateNdjson(text);
  const want = dexpcEval(path, new TextEncoder().encode(text));
  assert.ok(Buffer.from(actual).equals(Buffer.from(want)), firstDifference(actual, want));
});
