// Exact decimals (the `decimal` type): a count of millionths in an i64, read from JSON number
// text digit by digit (never through a double) and written in the canonical form, as
// `runtime/src/decimal.rs` does, with its messages word for word.

/** The largest and smallest counts of millionths (the i64 range). */
const MAX = 9223372036854775807n;
const MIN_MAGNITUDE = 9223372036854775808n;

/** The message for number text `text` that is a JSON number but not exactly a decimal, or
 * `null` with the count of millionths in `out[0]`. */
export function parseDecimal(text: string, out: bigint[]): string | null {
  let i = 0;
  const negative = text.charCodeAt(0) === 0x2d;
  if (negative) i++;
  let digits = "";
  let exp = 0;
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  while (i < text.length && isDigit(text.charCodeAt(i))) {
    if (!(digits === "" && text[i] === "0")) digits += text[i];
    i++;
  }
  if (text[i] === ".") {
    i++;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      if (!(digits === "" && text[i] === "0")) digits += text[i];
      exp--;
      i++;
    }
  }
  if (text[i] === "e" || text[i] === "E") {
    i++;
    let minus = false;
    if (text[i] === "-" || text[i] === "+") {
      minus = text[i] === "-";
      i++;
    }
    let e = 0;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      // Saturate far beyond any exponent that could matter, as the Rust reader does.
      e = Math.min(e * 10 + (text.charCodeAt(i) - 0x30), 2 ** 40);
      i++;
    }
    exp += minus ? -e : e;
  }
  let end = digits.length;
  while (end > 0 && digits[end - 1] === "0") {
    end--;
    exp++;
  }
  digits = digits.slice(0, end);
  if (digits === "") {
    out[0] = 0n;
    return null;
  }
  const shift = exp + 6;
  if (shift < 0) return `${shown(text)} has more than 6 fractional digits; decimals are never rounded on input`;
  const range = `${shown(text)} is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)`;
  if (digits.length + shift > 19) return range;
  const magnitude = BigInt(digits) * 10n ** BigInt(shift);
  if (magnitude > (negative ? MIN_MAGNITUDE : MAX)) return range;
  out[0] = negative ? -magnitude : magnitude;
  return null;
}

/** The number as a message shows it: its first 64 characters, then `...` if it was longer. */
function shown(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

/** The canonical JSON form of a count of millionths: no exponent, no trailing fractional
 * zeros, `-` only before a nonzero value (`19.99`, `5`, `-0.5`, `0`). */
export function formatDecimal(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / 1000000n;
  const frac = abs % 1000000n;
  let out = (negative ? "-" : "") + whole.toString();
  if (frac !== 0n) out += "." + frac.toString().padStart(6, "0").replace(/0+$/, "");
  return out;
}
