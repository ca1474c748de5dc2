// Edge-case input lines for the reference policy, shared by the Node and browser tests: every
// prefix of a valid record, numbers, strings and escapes, dates, limits, blank, CRLF and invalid
// UTF-8 lines, and seeded random mutations.

const BASE = {
  tenant_id: "tenant-1",
  as_of: "2025-07-31",
  cloud: "commercial",
  eu_data_boundary: false,
  users: { total: 250, entra_p1_licensed: 250, entra_p1_enabled: true },
  products: [
    { product: "endpoint", licensed: true, mode: "active" },
    { product: "identity", licensed: true, mode: "passive" },
  ],
  servers: [{ id: "srv-1", cloud: "azure", mde_server_license: true, servers_plan: "p2", endpoint_protection: true }],
  subscription: { xdr_enrolled: true, servers_addon: true, status: "active", term_end: "2027-04-04", ended_on: null },
  credits: { unused_last_quarter: 3, used_this_quarter: 4 },
};
/** A valid tenant record, compact. */
export const base = JSON.stringify(BASE);
/** The base line with one substitution. */
export const sub = (from, to) => {
  if (!base.includes(from)) throw new Error(`no ${from} in the base line`);
  return base.replace(from, to);
};

const NUMBERS = [
  "0", "-0", "1.5", "-1.5e-7", "1e-7", "1e3", "1E400", "-1e400", "1e308", "2e308", "0.1e-400", "1e-400",
  "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
  "-9223372036854775808", "-9223372036854775809", "-18446744073709551616", "123456789012345678901234567890",
  "9.2e18", "9.1e18", "9199999999999999999.5", "00", "01", "-", "-a", "1.", "1.e5", "1e", "1e+", "1e-", "1ex",
  "1e2147483648", "0e2147483648", "1e-2147483648", "1.0", "1.25e2", "1844674407370955161.5",
  "18446744073709551615.9", "184467440737095516159", "true", "null", '"5"', "[]", "{}", "nul", "tru", "fals", "x",
];
const STRINGS = [
  '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud83d"', '"\\ude00"', '"\\ud83dx"', '"\\ud83d\\u0041"', '"\\ud83d\\n"',
  '"\\x"', '"\\u12"', '"\\u12G4"', '"a\u0001b"', '"tab\there"', '"\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t"',
  '"Ténant ✓ 😀"', '""', '"\\u0000\\u001f\\u007f"', '"unterminated', '"\\', '"\\u', '"\\ud83d\\', '"\\ud83d\\u',
];

/** Hand-made edge cases, one per line. */
export function lines() {
  const out = [];
  // Every prefix of a valid record: EOF in every position of the grammar.
  for (let k = 0; k < base.length; k++) out.push(base.slice(0, k));
  out.push(base, `  ${base}  `, `${base} x`, `${base},`, `${base}}`, `[${base}]`);
  for (const n of NUMBERS) {
    out.push(sub('"total":250', `"total":${n}`));
    out.push(sub('"total":250', `"total": ${n} `));
    out.push(sub('"eu_data_boundary":false', `"eu_data_boundary":${n}`));
    out.push(sub('"as_of":"2025-07-31"', `"as_of":${n}`));
    out.push(sub('"tenant_id":"tenant-1"', `"ignored":${n},"tenant_id":"tenant-1"`));
    out.push(sub('"cloud":"commercial"', `"cloud":${n}`));
    out.push(sub('"ended_on":null', `"ended_on":${n}`));
    out.push(sub('"products":[', `"products":[${n},`));
  }
  for (const s of STRINGS) {
    out.push(sub('"tenant_id":"tenant-1"', `"tenant_id":${s}`));
    out.push(sub('"tenant_id":"tenant-1"', `"tenant_id":"t","x":${s}`));
    out.push(sub('"cloud":"commercial"', `"cloud":${s}`));
    out.push(sub('"as_of":"2025-07-31"', `"as_of":${s}`));
    out.push(sub('"tenant_id":"tenant-1"', `${s.replace(/^"/, '"k')}:1,"tenant_id":"tenant-1"`));
  }
  for (const d of ["2025-02-30", "2024-02-29", "2025-2-01", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2025-13-01", "2025-07-31 ", "２０２５-07-31"]) {
    out.push(sub('"as_of":"2025-07-31"', `"as_of":"${d}"`));
  }
  out.push(
    sub('"cloud":"commercial"', '"cloud":"mars"'),
    sub('"cloud":"commercial"', `"cloud":"${"m".repeat(100)}"`),
    sub('"ended_on":null', '"ended_on":"2027-01-01"'),
    sub(',"ended_on":null', ""),
    sub('"tenant_id":"tenant-1",', ""),
    sub('"tenant_id":"tenant-1"', '"tenant_id":"a","tenant_id":"b"'),
    sub('"tenant_id":"tenant-1"', '"tenant_id":5'),
    sub('"products":[', '"products":{},"x":['),
    sub('"products":[', '"products":[],"p":['),
    sub('"products":[', '"products":[ ],"p":['),
    sub('"products":[', '"products":[ , '),
    sub('"products":[', '"products" ['),
    sub('"products":[', '"products":[{"product":"endpoint","licensed":true,"mode":"active"},]'),
    sub('"users":{', '"users":{,'),
    sub('"users":{', '"users":{"total":1,}'),
    sub('"users":{', '"users":{5:1,'),
    sub('"users":{', '"users":[{'),
    sub('"tenant_id":"tenant-1"', `"deep":${"[".repeat(300)}${"]".repeat(300)},"tenant_id":"tenant-1"`),
    sub('"tenant_id":"tenant-1"', `"deep":${"[{\"a\":".repeat(50)}1${"}]".repeat(50)},"tenant_id":"tenant-1"`),
    sub('"tenant_id":"tenant-1"', '"skip":{"a":[1,{"b":null}],"c":"\\u0041"},"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":{"a" 1},"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":{"a":1 "b":2},"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":[1 2],"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":{1:2},"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":[1,],"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":-,"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":1.,"tenant_id":"tenant-1"'),
    sub('"tenant_id":"tenant-1"', '"skip":1.5e,"tenant_id":"tenant-1"'),
    sub('"credits":{"unused_last_quarter":3', '"credits":{"unused_last_quarter":9223372036854775807'),
    sub('"users":{"total":250,"entra_p1_licensed":250', '"users":{"total":9223372036854775807,"entra_p1_licensed":-9223372036854775808'),
    "{}", "[]", "5", '"x"', "null", "true", "{", "}", "]", ",", "{\"tenant_id\":\"k\"", "{\"tenant_id\":\"k\",",
    "", "   ", "\t", "\r", "\u000b", "\u000c", "\u3000", "\u00a0", "\ufeff", " \u2028 ",
  );
  return out;
}

function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Random byte-level mutations of the base line (no newlines). */
function mutations(count) {
  const rand = seeded(20261202);
  const alphabet = ' {}[]:,"\\-+.0123456789eEtrufalsn\tx\u00e9';
  const out = [];
  for (let i = 0; i < count; i++) {
    let s = base;
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * s.length);
      const ch = alphabet[Math.floor(rand() * alphabet.length)];
      const kind = rand();
      if (kind < 0.4) s = s.slice(0, at) + ch + s.slice(at + 1);
      else if (kind < 0.7) s = s.slice(0, at) + s.slice(at + 1);
      else s = s.slice(0, at) + ch + s.slice(at);
    }
    out.push(s);
  }
  return out;
}

function withRawBytes(text) {
  // Append lines that are not text: invalid UTF-8, CRLF endings, a doubled CR.
  const enc = new TextEncoder();
  const parts = [enc.encode(text)];
  parts.push(new Uint8Array([0xff, 0x0a]));
  parts.push(enc.encode(`${base}\r\n`));
  parts.push(enc.encode(`${base}\r\r\n`));
  parts.push(enc.encode(`${base.slice(0, 20)}\r\n`));
  parts.push(enc.encode(`{"tenant_id":"a`), new Uint8Array([0xc3, 0x28]), enc.encode(`"}\n`));
  parts.push(enc.encode(`{"tenant_id":"`), new Uint8Array([0xe2, 0x82]), enc.encode(`"}\r\n`));
  parts.push(enc.encode(`{"tenant_id":"`), new Uint8Array([0xed, 0xa0, 0x80]), enc.encode(`"}\n`));
  parts.push(enc.encode(`{"tenant_id":"`), new Uint8Array([0xf4, 0x90, 0x80, 0x80]), enc.encode(`"}\n`));
  parts.push(enc.encode("\r\n\n \r\n"));
  parts.push(enc.encode(base)); // no final newline
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Every edge case and 3000 seeded mutations, with raw-byte lines: the input every host must
 * reproduce `dexpc eval`'s bytes for. */
export function edgeInput() {
  return withRawBytes([...lines(), ...mutations(3000)].join("\n") + "\n");
}
