"""Type stubs of ``dexp._dexp``, the native module of the ``dexp`` package."""

import os
from collections.abc import Iterable, Mapping
from typing import Any, Final, overload

import pyarrow


ABI_VERSION: Final[int]
"""The version of the guest/host contract this runtime loads."""

class DexpError(Exception):
    """The base class of every error dexp raises."""

class LoadError(DexpError):
    """A policy module was refused; the message is the runtime's reason."""

class EvalError(DexpError):
    """The runtime could not evaluate at all. Records that cannot be decided are not
    exceptions but ``RecordError`` values."""

class RecordError:
    """Why one record has no decision."""

    @property
    def path(self) -> str:
        """The field path (``products[1].mode``), empty for the record itself, or the policy
        expression that failed (``billable_seats at 151:22``)."""
    @property
    def message(self) -> str:
        """What is wrong at that path."""
    def __init__(self, path: str, message: str) -> None: ...
    def __eq__(self, other: object) -> bool: ...

Decision = dict[str, Any]
"""A decision as ``json.loads`` gives it: ints as exact ``int``, enums, codes and dates as
``str``, absent optionals as ``None``; but decimals as exact ``decimal.Decimal`` (where
``json.loads`` would give a ``float``)."""

class Policy:
    """A loaded, checked and compiled policy module, usable from several threads at once."""

    @staticmethod
    def load(
        source: bytes | bytearray | str | os.PathLike[str],
        *,
        fuel_per_record: int | None = None,
        deadline_ms: int | None = None,
        memory_bytes: int | None = None,
    ) -> Policy:
        """Loads a module from its bytes or a path; raises ``LoadError`` if it is refused."""
    @property
    def name(self) -> str:
        """The policy's name."""
    @property
    def version(self) -> str:
        """The policy's version."""
    @property
    def key(self) -> str | None:
        """The input field that names a record in error lines, if any."""
    def evaluate(self, records: Iterable[Mapping[str, Any]]) -> list[Decision | RecordError]:
        """One entry per record, in order: the decision, or why there is none."""
    @overload
    def evaluate_ndjson(self, text: str) -> str: ...
    @overload
    def evaluate_ndjson(self, text: bytes) -> bytes:
        """Exactly the output of ``dexpc eval`` for the same NDJSON input: ``str`` for ``str``,
        ``bytes`` for ``bytes``."""
    @property
    def input_schema(self) -> pyarrow.Schema:
        """The Arrow schema of the records ``evaluate_arrow`` reads: declared field names, enums
        as strings, dates as ``date32``, optionals nullable."""
    @property
    def decision_schema(self) -> pyarrow.Schema:
        """The Arrow schema ``evaluate_arrow`` returns: the decision's fields, then ``error``
        (a struct of ``path`` and ``message``, null for decided rows)."""
    @overload
    def evaluate_arrow(self, data: pyarrow.RecordBatch) -> pyarrow.RecordBatch: ...
    @overload
    def evaluate_arrow(self, data: pyarrow.Table | pyarrow.RecordBatchReader) -> pyarrow.Table:
        """One decision row per input row, in order, through the Arrow C data interface; a
        row that cannot be decided has nulls in the decision columns and its ``error`` set."""
