// JS values to the JSON text the schema-driven reader takes, for `Policy.evaluate`: `bigint`s
// are written with all their digits, and an integer `number` beyond 2^53 (already rounded by
// JS) is refused with its path instead of being passed on as a silently different int.

import type { RecordError } from "./errors.js";
import { jsonString } from "./json.js";

/** The JSON text of `value`, or the error (with its path) that keeps it from being read. */
export function toJsonText(value: unknown): string | RecordError {
  const path: (string | number)[] = [];
  const seen = new Set<object>();
  const where = (): string => path.reduce<string>((out, seg) => (typeof seg === "number" ? `${out}[${seg}]` : out === "" ? seg : `${out}.${seg}`), "");
  class Refused {
    constructor(readonly message: string) {}
  }
  const write = (v: unknown): string => {
    switch (typeof v) {
      case "string":
        return jsonString(v);
      case "boolean":
        return v ? "true" : "false";
      case "bigint":
        return v.toString();
      case "number":
        if (!Number.isFinite(v)) throw new Refused(`number ${v} cannot be written as JSON`);
        if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
          throw new Refused(`number ${BigInt(v)} is beyond 2^53 and may have been rounded: pass it as a bigint`);
        }
        return Object.is(v, -0) ? "0" : String(v);
      case "object": {
        if (v === null) return "null";
        const json = (v as { toJSON?: () => unknown }).toJSON;
        if (typeof json === "function") return write(json.call(v));
        if (seen.has(v)) throw new Refused("the value refers to itself");
        seen.add(v);
        let out: string;
        if (Array.isArray(v)) {
          out = "[";
          v.forEach((item, i) => {
            path.push(i);
            out += (i > 0 ? "," : "") + (item === undefined ? "null" : write(item));
            path.pop();
          });
          out += "]";
        } else {
          out = "{";
          let first = true;
          for (const [k, item] of Object.entries(v)) {
            if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
            path.push(k);
            out += `${first ? "" : ","}${jsonString(k)}:${write(item)}`;
            path.pop();
            first = false;
          }
          out += "}";
        }
        seen.delete(v);
        return out;
      }
      default:
        throw new Refused(`a ${typeof v} cannot be written as JSON`);
    }
  };
  try {
    return write(value);
  } catch (e) {
    if (e instanceof Refused) return { path: where(), message: e.message };
    throw e;
  }
}
