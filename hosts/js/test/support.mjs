// Shared helpers of the Node tests: where the repository and `dexpc` are, compiling policies
// to modules, and running `dexpc eval` to get the bytes every host must reproduce.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The `dexpc` binary the suite built (override with DEXPC). */
export const DEXPC = process.env.DEXPC ?? join(ROOT, "target/debug/dexpc");
/** The reference policy's source. */
export const REFERENCE = join(ROOT, "policies/defender_experts.dexp");

if (!existsSync(DEXPC)) {
  throw new Error(`${DEXPC} is missing: build it with \`cargo build -p dexp-compiler --bin dexpc\``);
}

const scratch = mkdtempSync(join(tmpdir(), "dexp-js-"));

/** A scratch directory outside the repository, for modules and outputs made by tests. */
export function scratchDir() {
  return scratch;
}

const compiled = new Map();

/** The module `dexpc compile` writes for a policy source, as bytes (compiled once per run). */
export function compile(policy) {
  const cached = compiled.get(policy);
  if (cached) return cached;
  const out = join(scratch, `${compiled.size}.wasm`);
  execFileSync(DEXPC, ["compile", policy, "-o", out], { stdio: ["ignore", "ignore", "inherit"] });
  const bytes = new Uint8Array(readFileSync(out));
  compiled.set(policy, { path: out, bytes });
  return compiled.get(policy);
}

/** What `dexpc eval --jobs 1` writes to standard output for `input` (bytes or text). */
export function dexpcEval(policyPath, input) {
  try {
    return new Uint8Array(execFileSync(DEXPC, ["eval", "--jobs", "1", policyPath, "-"], { input, stdio: ["pipe", "pipe", "ignore"], maxBuffer: 1 << 30 }));
  } catch (e) {
    // Exit code 1 means some records were rejected; the output is still the answer.
    if (e.status === 1 && e.stdout) return new Uint8Array(e.stdout);
    throw e;
  }
}

/** The first differing line of two NDJSON outputs, for readable failures. */
export function firstDifference(actual, expected) {
  const a = Buffer.from(actual).toString("utf8").split("\n");
  const b = Buffer.from(expected).toString("utf8").split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `output line ${i + 1}:\n  got      ${a[i]}\n  expected ${b[i]}`;
  }
  return "identical";
}

/** Reads a file as bytes. */
export function bytesOf(path) {
  return new Uint8Array(readFileSync(path));
}
