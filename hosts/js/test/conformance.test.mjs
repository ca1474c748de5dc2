// The conformance corpus (`tests/conformance/*/`), the contract examples and the golden corpus,
// through the package at several batch sizes: the output must be byte for byte what
// `dexpc eval` writes (committed as `expected.ndjson` for the corpus, produced at test time for
// the examples).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Policy } from "../dist/index.js";
import { ROOT, REFERENCE, bytesOf, compile, dexpcEval, firstDifference } from "./support.mjs";

const BATCHES = [1, 3, 64, 1024];

function same(actual, expected, what) {
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: ${firstDifference(actual, expected)}`);
}

const corpus = join(ROOT, "tests/conformance");
const cases = existsSync(corpus)
  ? readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(corpus, d.name, "policy.wasm")))
  : [];

for (const c of cases) {
  const dir = join(corpus, c.name);
  test(`conformance case ${c.name}`, async () => {
    const input = bytesOf(join(dir, "input.ndjson"));
    const expected = bytesOf(join(dir, "expected.ndjson"));
    for (const batchRecords of BATCHES) {
      const policy = await Policy.load(bytesOf(join(dir, "policy.wasm")), { batchRecords });
      same(policy.evaluateNdjson(input), expected, `${c.name}, batches of ${batchRecords}`);
    }
  });
}

test("the contract examples give dexpc eval's bytes", async () => {
  const { path, bytes } = compile(REFERENCE);
  for (const name of ["tenants.ndjson", "bad-tenants.ndjson"]) {
    const input = bytesOf(join(ROOT, "policies/examples", name));
    const expected = dexpcEval(path, input);
    for (const batchRecords of BATCHES) {
      const policy = await Policy.load(bytes, { batchRecords });
      same(policy.evaluateNdjson(input), expected, `${name}, batches of ${batchRecords}`);
    }
  }
});

test("the golden corpus gives its committed decisions", async () => {
  const { bytes } = compile(REFERENCE);
  const input = bytesOf(join(ROOT, "tests/golden/corpus-tenants.ndjson"));
  const expected = bytesOf(join(ROOT, "tests/golden/corpus-decisions.ndjson"));
  for (const batchRecords of BATCHES) {
    const policy = await Policy.load(bytes, { batchRecords });
    same(policy.evaluateNdjson(input), expected, `golden corpus, batches of ${batchRecords}`);
  }
});

test("batches reuse memory: a second run of the same input does not grow it", async () => {
  const { bytes } = compile(REFERENCE);
  const input = bytesOf(join(ROOT, "tests/golden/corpus-tenants.ndjson"));
  const policy = await Policy.load(bytes);
  const first = policy.evaluateNdjson(input);
  const after = policy.memoryBytesInUse();
  const second = policy.evaluateNdjson(input);
  same(second, first, "second run");
  assert.equal(policy.memoryBytesInUse(), after);
  assert.ok(after < 64 << 20, `memory grew to ${after} bytes for batches of 1024 records`);
});

// Keep readFileSync referenced for readers adding cases by hand.
void readFileSync;
