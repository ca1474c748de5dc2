"""Evaluate compiled dexp policies from Python.

A thin layer over the Rust runtime (``dexp-runtime``): the same module checks, the same
encoder and the same decisions as ``dexpc eval``.

>>> policy = dexp.Policy.load("policy.wasm")            # doctest: +SKIP
>>> policy.evaluate([{"tenant_id": "t1", ...}])          # doctest: +SKIP
[{'tenant_id': 't1', 'xdr': {...}, ...}]
"""

from dexp._dexp import (
    ABI_VERSION,
    DexpError,
    EvalError,
    LoadError,
    Policy,
    RecordError,
)

__all__ = ["ABI_VERSION", "DexpError", "EvalError", "LoadError", "Policy", "RecordError"]
