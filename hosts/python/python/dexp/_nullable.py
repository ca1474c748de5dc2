"""Arrow data whose non-nullable fields hold nulls, made importable.

pyarrow lets a batch hold nulls in a field its schema declares non-nullable (``from_pylist``
with the policy's input schema and a missing value does exactly that), but arrow-rs refuses to
import such data. ``evaluate_arrow`` retries such input through :func:`relax`, so the runtime
sees the nulls and reports them per row (``expected int, found null``) instead of failing the
whole batch.
"""

from __future__ import annotations

from typing import Any


def relax(data: Any) -> Any:
    """``data`` (a pyarrow RecordBatch or Table) cast to the same schema with every field,
    at every depth, nullable. The buffers are shared."""
    import pyarrow as pa

    def field(f: pa.Field) -> pa.Field:
        return pa.field(f.name, datatype(f.type), True, f.metadata)

    def datatype(t: pa.DataType) -> pa.DataType:
        if pa.types.is_struct(t):
            return pa.struct([field(t.field(i)) for i in range(t.num_fields)])
        if pa.types.is_large_list(t):
            return pa.large_list(field(t.value_field))
        if pa.types.is_list(t):
            return pa.list_(field(t.value_field))
        return t

    schema = pa.schema([field(f) for f in data.schema], metadata=data.schema.metadata)
    return data.cast(schema)
