// Speed of @dexp/runtime under Node on the reference policy, run by hand (not in the suite):
//
//   node bench/bench.mjs [RECORDS]          (default 102,000 records; needs dist/ and dexpc)
//
// Records are the golden corpus (`tests/golden/corpus-tenants.ndjson`, 3000 generated tenants)
// repeated. Side by side, one core each, best of 5 runs after a warm-up:
//   - ndjson:  Policy.evaluateNdjson over the whole file (bytes in, bytes out)
//   - objects: Policy.evaluate over parsed records (JS values in, JS values out)
//   - floor:   the JS floor: JSON.parse of each line and JSON.stringify of a small object back
//   - rust:    `dexpc eval --jobs 1` on the same file, output to /dev/null (set DEXPC to a
//              release build; the process's start-up and module compile are included)

import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Policy } from "../dist/index.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const DEXPC = process.env.DEXPC ?? join(ROOT, "target/release/dexpc");
const records = Number(process.argv[2] ?? 102_000);

const corpus = readFileSync(join(ROOT, "tests/golden/corpus-tenants.ndjson"), "utf8").split("\n").filter((l) => l.trim());
const lines = Array.from({ length: records }, (_, i) => corpus[i % corpus.length]);
const text = lines.join("\n") + "\n";
const bytes = new TextEncoder().encode(text);
const dir = mkdtempSync(join(tmpdir(), "dexp-bench-"));
const input = join(dir, "tenants.ndjson");
writeFileSync(input, bytes);
const wasm = join(dir, "policy.wasm");
execFileSync(existsSync(DEXPC) ? DEXPC : join(ROOT, "target/debug/dexpc"), ["compile", join(ROOT, "policies/defender_experts.dexp"), "-o", wasm], { stdio: "ignore" });
const policy = await Policy.load(readFileSync(wasm));
const parsed = lines.map((l) => JSON.parse(l));

function best(name, run, runs = 5) {
  run();
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    run();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  const rate = records / min;
  console.log(`${name.padEnd(8)} ${(min * 1000).toFixed(1).padStart(8)} ms  ${Math.round(rate).toLocaleString("en").padStart(11)} records/s`);
  return rate;
}

console.log(`${records.toLocaleString("en")} records, ${(bytes.length / 1e6).toFixed(1)} MB of NDJSON, Node ${process.version}`);
const ndjson = best("ndjson", () => policy.evaluateNdjson(bytes));
const objects = best("objects", () => policy.evaluate(parsed));
const floor = best("floor", () => {
  let out = "";
  for (const line of text.split("\n")) {
    if (!line) continue;
    const t = JSON.parse(line);
    out += JSON.stringify({ tenant_id: t.tenant_id, eligible: t.users.total > 0 }) + "\n";
  }
  return out.length;
});
if (existsSync(DEXPC)) {
  best("rust", () => spawnSync(DEXPC, ["eval", "--jobs", "1", wasm, input], { stdio: ["ignore", "ignore", "ignore"] }), 3);
} else {
  console.log(`rust     (no ${DEXPC}: build it with cargo build --release -p dexp-compiler --bin dexpc)`);
}
console.log(`ndjson / floor: ${(ndjson / floor).toFixed(2)}x the floor's speed; objects / floor: ${(objects / floor).toFixed(2)}x`);
