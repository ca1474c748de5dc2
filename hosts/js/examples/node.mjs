// The Node example of the README: decide the records of an NDJSON file with a compiled policy
// and print exactly what `dexpc eval` prints. Usage: node node.mjs POLICY.wasm RECORDS.ndjson
import { readFile } from "node:fs/promises";
import { Policy } from "@dexp/runtime";

const [wasmPath, recordsPath] = process.argv.slice(2);
const policy = await Policy.load(await readFile(wasmPath));
process.stdout.write(policy.evaluateNdjson(await readFile(recordsPath)));

// The object API: one outcome per record, a decision or an error with its path.
const [outcome] = policy.evaluate([{ tenant_id: "t-1" }]);
if (!outcome.ok) console.error(`t-1: ${outcome.error.path}: ${outcome.error.message}`);
