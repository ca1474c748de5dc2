// @dexp/runtime: run compiled dexp policy modules with the standard WebAssembly API, in Node and
// in browsers. `Policy.load` checks an untrusted module as the Rust runtime does; a policy
// evaluates NDJSON (byte for byte what `dexpc eval` writes) or JS values.

export { Policy, MAX_LINE_BYTES } from "./policy.js";
export type { Options, Outcome } from "./policy.js";
export { LoadError, EvalError } from "./errors.js";
export type { LoadErrorCode, EvalErrorCode, RecordError } from "./errors.js";
export { ABI_VERSION, layoutFor } from "./metadata.js";
export type { Metadata, Schema, Ty, Layout, EnumDef, RecordDef, FieldDef, GroupDef, CodeDef } from "./metadata.js";
export { MAX_JSON_DEPTH, MAX_LIST_ITEMS, MAX_STRING_BYTES } from "./json.js";
export { MAX_MODULE_BYTES } from "./module.js";
