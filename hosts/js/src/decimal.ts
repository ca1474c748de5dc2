// Exact decimals (docs/abi.md, "Decimals"): a decimal is a 64-bit count of millionths. This
// module reads number text exactly into that count (never through a double), names why a
// number is not a decimal in the Rust runtime's words, and writes the canonical JSON form.
// It follows `runtime/src/decimal.rs` (`parse`, `ParseError::message`, `write`) digit for digit.

/** The number of fractional digits of every decimal. */
export const DECIMAL_SCALE = 6;

const ONE = 1_000_000n;
const I64_MAX = 9223372036854775807n;
const I64_MIN_MAGNITUDE = 9223372036854775808n;

/** Why a number cannot be a decimal. */
export const enum DecimalError {
  /** The text is not a number (leading zeros aside, the JSON number grammar). */
  Syntax,
  /** The number has a nonzero digit beyond the sixth fractional place. */
  TooPrecise,
  /** The number is outside -9223372036854.775808..=9223372036854.775807. */
  OutOfRange,
}

/** The message for a number `text` that is not a decimal, naming it as written (cut to its
 * first 64 characters, then `...`): the words of the Rust runtime. */
export function decimalMessage(error: DecimalError, text: string): string {
  const chars = Array.from(text);
  const shown = chars.length > 64 ? `${chars.slice(0, 64).join("")}...` : text;
  switch (error) {
    case DecimalError.Syntax:
      return `expected decimal, found ${shown}`;
    case DecimalError.TooPrecise:
      return `${shown} has more than ${DECIMAL_SCALE} fractional digits; decimals are never rounded on input`;
    case DecimalError.OutOfRange:
      return `${shown} is outside the decimal range (-9223372036854.775808 to 9223372036854.775807)`;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Reads number text (`-12.5`, `1e3`, `0.000001`, `19.990`, `0e999`) exactly as a count of
 * millionths: a bigint, or why it is not a decimal. Trailing zeros and any exponent are allowed
 * as long as the value is a whole number of millionths within the range; leading zeros are
 * allowed too (JSON text never has them), a `+`, `.5`, `1.` or surrounding spaces are not. */
export function parseDecimal(text: string): bigint | DecimalError {
  const n = text.length;
  let i = 0;
  const negative = text.charCodeAt(0) === 0x2d;
  if (negative) i++;
  // The significant digits without leading zeros, and the power of ten they are scaled by.
  let digits = "";
  let exp = 0;
  const intStart = i;
  for (; i < n && isDigit(text.charCodeAt(i)); i++) {
    if (digits !== "" || text.charCodeAt(i) !== 0x30) digits += text[i];
  }
  if (i === intStart) return DecimalError.Syntax;
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    const fracStart = i;
    for (; i < n && isDigit(text.charCodeAt(i)); i++) {
      if (digits !== "" || text.charCodeAt(i) !== 0x30) digits += text[i];
      exp--;
    }
    if (i === fracStart) return DecimalError.Syntax;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    const minus = sign === 0x2d;
    if (minus || sign === 0x2b) i++;
    const start = i;
    let value = 0;
    for (; i < n && isDigit(text.charCodeAt(i)); i++) {
      // Saturate far beyond any exponent that could matter (2^40, as the Rust runtime does).
      value = Math.min(value * 10 + (text.charCodeAt(i) - 0x30), 2 ** 40);
    }
    if (i === start) return DecimalError.Syntax;
    exp += minus ? -value : value;
  }
  if (i !== n) return DecimalError.Syntax;
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) {
    end--;
    exp++;
  }
  if (end === 0) return 0n;
  digits = digits.slice(0, end);
  // value = digits * 10^exp; stored = digits * 10^(exp + SCALE).
  const shift = exp + DECIMAL_SCALE;
  if (shift < 0) return DecimalError.TooPrecise;
  if (digits.length + shift > 19) return DecimalError.OutOfRange;
  const magnitude = BigInt(digits) * 10n ** BigInt(shift);
  if (magnitude > (negative ? I64_MIN_MAGNITUDE : I64_MAX)) return DecimalError.OutOfRange;
  return negative ? -magnitude : magnitude;
}

/** The decimal of a whole number, or `null` outside the decimal range. */
export function decimalFromInt(v: bigint): bigint | null {
  const units = v * ONE;
  return units > I64_MAX || units < -I64_MIN_MAGNITUDE ? null : units;
}

/** The canonical JSON text of a count of millionths: no exponent, no trailing fractional zeros,
 * no `.` without digits after it, `0` before `.`, and `-` only before a nonzero value:
 * `19.99`, `5`, `-0.5`, `0`, `-9223372036854.775808`. */
export function decimalText(units: bigint): string {
  const abs = units < 0n ? -units : units;
  const whole = (abs / ONE).toString();
  const frac = abs % ONE;
  const sign = units < 0n ? "-" : "";
  if (frac === 0n) return sign + whole;
  return `${sign}${whole}.${frac.toString().padStart(DECIMAL_SCALE, "0").replace(/0+$/, "")}`;
}
