// Edge-case input lines for the conformance `decimals` policy, shared by the Node and browser
// tests: number texts at and past the decimal rules (exactness, range ends, exponents,
// trailing zeros, long texts), other JSON values, malformed numbers, in every decimal position.

/** The conformance policy whose records these lines are. */
export const DECIMALS_CASE = "tests/conformance/decimals";

/** Number texts a decimal field is given, as written in JSON. */
export const DECIMAL_TEXTS = [
  "0", "-0", "-0.0", "0.000000", "0e5", "0e-999999999", "-0e999999999999999999999",
  "1", "-1", "19.99", "19.990", "19.990000", "1999e-2", "1999E-2", "0.1999e2", "1E+2", "1e-0", "1e0",
  "1e-6", "-1e-6", "0.000001", "100e-8", "0.0000010", "0.0000001", "-0.0000001", "0.00000010", "1e-7",
  "1234567e-13", "1.0000000000000000000000001", "1.0000000000000000000000000",
  "9223372036854.775807", "-9223372036854.775808", "9223372036854.775808", "-9223372036854.775809",
  "9223372036854775807e-6", "-9223372036854775808e-6", "9223372036854775808e-6", "0.9223372036854775807e13",
  "9223372036854.7758070000", "1e12", "9.999999e12", "1e13", "-1e13", "99999999999999999999", "1e400", "-1e-400",
  "1e2147483648", "1e-2147483648", "0e2147483648", `0.${"0".repeat(70)}1`, `1${"0".repeat(80)}`,
  `-${"9".repeat(70)}`, "123456789012345678901234567890",
  // Other JSON values and malformed numbers.
  '"19.99"', '"abc"', "true", "false", "null", "[]", "[1]", "{}", '{"a":1}',
  "01", "-", "-a", "1.", "1.e5", "1e", "1e+", "1ex", "+1", ".5", "NaN", "nul", '"open', "[1,", "{",
];

/** The NDJSON lines: each text as `a`, as the optional `c`, and as a list element's price. */
export function decimalLines() {
  const out = [];
  DECIMAL_TEXTS.forEach((t, i) => {
    out.push(`{"id":"a${i}","a":${t},"b":3,"n":0,"items":[]}`);
    out.push(`{"id":"c${i}","a":1,"b":0.5,"c": ${t} ,"n":1,"items":[]}`);
    out.push(`{"id":"p${i}","a":-1,"b":-3,"n":-1,"items":[{"price":2,"qty":1},{"price":${t},"qty":2}]}`);
  });
  // Rounding ties of `*` and `/` on both sides of zero, and a missing required decimal.
  for (const [a, b] of [["0.000003", "0.5"], ["-0.000003", "0.5"], ["0.000001", "-2"], ["-0.000005", "10"], ["2", "3"], ["-2", "3"]]) {
    out.push(`{"id":"tie ${a} ${b}","a":${a},"b":${b},"n":0,"items":[]}`);
  }
  out.push('{"id":"missing","a":1,"n":0,"items":[]}');
  out.push('{"id":"ends","a":9223372036854.775807,"b":-1,"c":-9223372036854775808e-6,"n":0,"items":[]}');
  return out;
}

/** The lines as one NDJSON input. */
export function decimalInput() {
  return new TextEncoder().encode(`${decimalLines().join("\n")}\n`);
}
