// Calendar dates as day numbers since 1970-01-01 (proleptic Gregorian), limited to
// 0001-01-01..=9999-12-31: parsing `YYYY-MM-DD` bytes and formatting day numbers, with the
// same arithmetic (Howard Hinnant's civil-day algorithms) as the Rust runtime.

/** Day number of 0001-01-01. */
export const MIN_DAY = -719162;
/** Day number of 9999-12-31. */
export const MAX_DAY = 2932896;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** The day number of a civil date (which must exist). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The `[year, month, day]` of a day number. */
export function toCivil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Parses exactly `YYYY-MM-DD` from `b[start..end]`; null for anything else or a day that does
 * not exist. */
export function parseDate(b: Uint8Array, start: number, end: number): number | null {
  if (end - start !== 10 || b[start + 4] !== 0x2d || b[start + 7] !== 0x2d) return null;
  const num = (from: number, to: number): number => {
    let v = 0;
    for (let i = start + from; i < start + to; i++) {
      const c = b[i] as number;
      if (c < 0x30 || c > 0x39) return -1;
      v = v * 10 + (c - 0x30);
    }
    return v;
  };
  const year = num(0, 4);
  const month = num(5, 7);
  const day = num(8, 10);
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return null;
  if (day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

/** Parses a `YYYY-MM-DD` string. */
export function parseDateText(s: string): number | null {
  if (s.length !== 10) return null;
  const b = new Uint8Array(10);
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return null;
    b[i] = c;
  }
  return parseDate(b, 0, 10);
}

/** Formats a day number (in range) as `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const [y, m, d] = toCivil(days);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
