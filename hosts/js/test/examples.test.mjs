// The README's Node example, run as written (`node examples/node.mjs POLICY.wasm RECORDS`): it
// prints exactly what `dexpc eval` prints, and reports the object API's error for its
// incomplete tenant.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, REFERENCE, bytesOf, compile, dexpcEval, firstDifference } from "./support.mjs";

test("the Node example prints dexpc eval's bytes", () => {
  const { path } = compile(REFERENCE);
  const records = join(ROOT, "policies/examples/bad-tenants.ndjson");
  const r = spawnSync(process.execPath, [join(ROOT, "hosts/js/examples/node.mjs"), path, records], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.toString());
  const expected = dexpcEval(path, bytesOf(records));
  assert.ok(Buffer.from(r.stdout).equals(Buffer.from(expected)), firstDifference(r.stdout, expected));
  assert.equal(r.stderr.toString(), "t-1: as_of: missing field\n");
});
