// The conformance check inside headless Chromium (Debian's `/usr/bin/chromium`, driven by
// playwright-core, never downloading a browser): the package, served from a static server on
// 127.0.0.1, must write byte for byte what `dexpc eval` writes for the conformance corpus, the
// golden corpus, the contract examples, the edge cases and the decimal edge cases. The README's
// browser example page is loaded as written and must show the same decisions.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, REFERENCE, compile, dexpcEval, scratchDir } from "./support.mjs";
import { edgeInput } from "./edge-cases.mjs";
import { DECIMALS_CASE, decimalInput } from "./decimal-cases.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PACKAGE = join(ROOT, "hosts/js");
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html", ".wasm": "application/wasm" };

/** Cases: name, and URLs of the module, the input and the expected output. */
function cases() {
  const scratch = scratchDir();
  const { path, bytes } = compile(REFERENCE);
  const files = new Map([["/data/reference.wasm", path]]);
  const list = [];
  const add = (name, wasm, input, expected) => {
    const id = list.length;
    files.set(`/data/${id}.wasm`, wasm);
    files.set(`/data/${id}.in`, input);
    files.set(`/data/${id}.out`, expected);
    list.push({ name, wasm: `/data/${id}.wasm`, input: `/data/${id}.in`, expected: `/data/${id}.out` });
  };
  const corpus = join(ROOT, "tests/conformance");
  if (existsSync(corpus)) {
    for (const d of readdirSync(corpus, { withFileTypes: true })) {
      const dir = join(corpus, d.name);
      if (d.isDirectory() && existsSync(join(dir, "policy.wasm"))) {
        add(`conformance ${d.name}`, join(dir, "policy.wasm"), join(dir, "input.ndjson"), join(dir, "expected.ndjson"));
      }
    }
  }
  add("golden corpus", path, join(ROOT, "tests/golden/corpus-tenants.ndjson"), join(ROOT, "tests/golden/corpus-decisions.ndjson"));
  const made = (name, input) => {
    const inPath = join(scratch, `browser-${list.length}.in`);
    const outPath = join(scratch, `browser-${list.length}.out`);
    writeFileSync(inPath, input);
    writeFileSync(outPath, dexpcEval(path, input));
    add(name, path, inPath, outPath);
  };
  for (const name of ["tenants.ndjson", "bad-tenants.ndjson"]) made(`example ${name}`, readFileSync(join(ROOT, "policies/examples", name)));
  made("edge cases", edgeInput());
  const decimalsWasm = join(ROOT, DECIMALS_CASE, "policy.wasm");
  const decimalsIn = join(scratch, "browser-decimals.in");
  const decimalsOut = join(scratch, "browser-decimals.out");
  writeFileSync(decimalsIn, decimalInput());
  writeFileSync(decimalsOut, dexpcEval(decimalsWasm, decimalInput()));
  add("decimal edge cases", decimalsWasm, decimalsIn, decimalsOut);
  void bytes;
  // The README's example page, with its module and records beside it.
  files.set("/examples/policy.wasm", path);
  files.set("/examples/tenants.ndjson", join(ROOT, "policies/examples/tenants.ndjson"));
  files.set("/examples/expected.ndjson", files.get(list.find((c) => c.name === "example tenants.ndjson").expected));
  return { list, files };
}

function serve(files) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let file = files.get(url.pathname);
    if (!file && (url.pathname.startsWith("/dist/") || url.pathname.startsWith("/examples/"))) {
      file = join(PACKAGE, normalize(url.pathname).replace(/^(\.\.[/\\])+/, ""));
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>dexp conformance</title>");
      return;
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("the package in headless Chromium gives dexpc eval's bytes", { timeout: 300_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  const { list, files } = cases();
  const server = await serve(files);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "dexp-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${origin}/`);
    const results = await page.evaluate(async (cases) => {
      const { Policy } = await import("/dist/index.js");
      const get = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const out = [];
      for (const c of cases) {
        const expected = await get(c.expected);
        const input = await get(c.input);
        for (const batchRecords of [1, 64, 1024]) {
          const policy = await Policy.load(await get(c.wasm), { batchRecords });
          const actual = policy.evaluateNdjson(input);
          let same = actual.length === expected.length;
          for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i];
          out.push({ name: `${c.name}, batches of ${batchRecords}`, same, bytes: actual.length, agent: navigator.userAgent });
        }
      }
      return out;
    }, list);
    for (const r of results) assert.ok(r.same, `${r.name} differs in Chromium (${r.bytes} bytes)`);
    assert.ok(results.length >= 3 * list.length && /Chrom/.test(results[0].agent));

    // The README's browser example, as written.
    await page.goto(`${origin}/examples/browser.html`);
    await page.waitForFunction(() => document.getElementById("out")?.textContent !== "deciding...");
    const shown = await page.evaluate(() => document.getElementById("out")?.textContent);
    assert.equal(shown, readFileSync(files.get("/examples/expected.ndjson"), "utf8"));
  } finally {
    await context.close();
    server.close();
  }
});
