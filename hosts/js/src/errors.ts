// Typed errors of the package: why a module was refused (`LoadError`), why a batch produced no
// decisions (`EvalError`), and why one record was not decided (`RecordError`, a plain value).
// Codes are stable strings; messages are the Rust runtime's, word for word, where it has one.

/** Why a module was refused by `Policy.load`. `code` is stable; `message` says what and why. */
export type LoadErrorCode =
  | "too_large"
  | "invalid"
  | "import"
  | "start_function"
  | "missing_export"
  | "wrong_export"
  | "unexpected_export"
  | "memory"
  | "missing_metadata"
  | "duplicate_metadata"
  | "metadata_json"
  | "abi_version"
  | "schema"
  | "layout"
  | "layout_mismatch"
  | "source_hash"
  | "coverage"
  | "compile";

/** A module that the host refuses to run, with the reason's stable `code`. */
export class LoadError extends Error {
  /** The reason, stable across versions. */
  readonly code: LoadErrorCode;

  /** Makes an error with its code and message. */
  constructor(code: LoadErrorCode, message: string) {
    super(message);
    this.name = "LoadError";
    this.code = code;
  }
}

/** Why a batch produced no decisions. */
export type EvalErrorCode = "memory_limit" | "stack_overflow" | "trap" | "batch_too_large" | "bad_decision" | "instantiate";

/** A batch that failed as a whole: no decisions were written for any of its records. */
export class EvalError extends Error {
  /** The reason, stable across versions. */
  readonly code: EvalErrorCode;

  /** Makes an error with its code and message. */
  constructor(code: EvalErrorCode, message: string) {
    super(message);
    this.name = "EvalError";
    this.code = code;
  }
}

/** Why one record was not decided: where (a field path or a policy expression) and what. */
export interface RecordError {
  /** The field path such as `products[1].mode`, or the policy expression that failed; empty
   * for the record as a whole. */
  path: string;
  /** What is wrong, in the words `dexpc eval` uses. */
  message: string;
}
