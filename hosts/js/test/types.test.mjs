// `dexpc types --lang ts` for the reference policy, used by a typed host: the example host
// compiles with `tsc --noEmit` against the generated declarations, and the same host with a
// wrong enum value or a missing field does not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEXPC, REFERENCE, ROOT } from "./support.mjs";

const PACKAGE = join(ROOT, "hosts/js");
const TSC = join(PACKAGE, "node_modules/typescript/bin/tsc");
const generated = join(PACKAGE, "examples/generated");

function tsc(args) {
  return spawnSync(process.execPath, [TSC, ...args], { cwd: PACKAGE, encoding: "utf8" });
}

test("the typed example host compiles against the generated declarations", () => {
  mkdirSync(generated, { recursive: true });
  execFileSync(DEXPC, ["types", "--lang", "ts", REFERENCE, "-o", join(generated, "defender_experts.ts")]);
  const r = tsc(["-p", "examples/tsconfig.json"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("a host that misspells an enum value or leaves out a field does not compile", () => {
  mkdirSync(generated, { recursive: true });
  execFileSync(DEXPC, ["types", "--lang", "ts", REFERENCE, "-o", join(generated, "defender_experts.ts")]);
  const host = readFileSync(join(PACKAGE, "examples/typed-host.ts"), "utf8");
  const flags = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom"];
  for (const [what, broken] of [
    ["a wrong enum value", host.replace('cloud: "commercial"', 'cloud: "mars"')],
    ["a missing field", host.replace('  eu_data_boundary: false,\n', "")],
    ["a wrong code", host.replace("xdr.reasons.join", 'xdr.reasons.filter((r) => r === "no_such_code").join')],
  ]) {
    assert.notEqual(broken, host, what);
    const file = join(generated, "broken-host.ts");
    writeFileSync(file, broken.replaceAll("./generated/", "./"));
    const r = tsc([...flags, file]);
    assert.notEqual(r.status, 0, `${what} compiled`);
    assert.match(r.stdout, /error TS/, what);
  }
});

test("maps are declared as Record<string, T>, so a wrong value type does not compile", () => {
  mkdirSync(generated, { recursive: true });
  const policy = join(ROOT, "tests/conformance/maps/policy.dexp");
  execFileSync(DEXPC, ["types", "--lang", "ts", policy, "-o", join(generated, "maps.ts")]);
  const declarations = readFileSync(join(generated, "maps.ts"), "utf8");
  assert.match(declarations, /seats: Record<string, number \| bigint>;/);
  assert.match(declarations, /nested: Record<string, Record<string, boolean>>;/);
  const flags = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom"];
  const host = (seats) =>
    `import type { PolicyInput } from "./maps.js";\n` +
    `export const a: PolicyInput = { id: "a", seats: ${seats}, plans: { x: { tier: "premium", seats: 1 } }, ` +
    `tags: { t: ["E5"] }, nested: { n: { on: true } }, products: [{ name: "p", quotas: {} }] };\n`;
  const file = join(generated, "maps-host.ts");
  writeFileSync(file, host(`{ E5: 3, "é": 4n }`));
  const good = tsc([...flags, file]);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  writeFileSync(file, host(`{ E5: "3" }`));
  const bad = tsc([...flags, file]);
  assert.notEqual(bad.status, 0, "a string seat count compiled");
  assert.match(bad.stdout, /error TS/);
});

test("decimals are declared as number | string: numbers in, their exact text out", () => {
  mkdirSync(generated, { recursive: true });
  const policy = join(ROOT, "tests/conformance/decimals/policy.dexp");
  execFileSync(DEXPC, ["types", "--lang", "ts", policy, "-o", join(generated, "decimals.ts")]);
  const declarations = readFileSync(join(generated, "decimals.ts"), "utf8");
  assert.match(declarations, /price: number \| string;/);
  assert.match(declarations, /c\?: number \| string \| null;/);
  assert.match(declarations, /Decimals are `number \| string`/);
  const flags = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom"];
  const file = join(generated, "decimals-host.ts");
  writeFileSync(
    file,
    `import type { PolicyInput, PolicyDecision } from "./decimals.js";\n` +
      `export const a: PolicyInput = { id: "a", a: 19.99, b: 3, n: 1, items: [{ price: 0.5, qty: 2 }] };\n` +
      `export const total = (d: PolicyDecision): string => String(d.total);\n`,
  );
  const good = tsc([...flags, file]);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  writeFileSync(file, `import type { PolicyInput } from "./decimals.js";\nexport const a: PolicyInput = { id: "a", a: true, b: 3, n: 1, items: [] };\n`);
  const bad = tsc([...flags, file]);
  assert.notEqual(bad.status, 0, "a bool decimal compiled");
});
