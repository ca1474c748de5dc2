"""Policy.evaluate_arrow: pyarrow batches and tables through the Arrow C data interface, with
the same decisions and the same per-row errors as evaluate on the same records."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pyarrow as pa
import pytest

import dexp
from conftest import ROOT


def json_form(value: Any) -> Any:
    """A value read from Arrow in the form evaluate gives (dates as ISO strings)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    return value


def rows(decisions: pa.RecordBatch | pa.Table) -> list[dict | dexp.RecordError]:
    """Arrow decision rows in the form evaluate gives: a dict, or a RecordError."""
    out: list[dict | dexp.RecordError] = []
    for row in decisions.to_pylist():
        error = row.pop("error")
        out.append(dexp.RecordError(error["path"], error["message"]) if error else json_form(row))
    return out


def arrow_input_schema(policy: dexp.Policy) -> pa.Schema:
    """The policy's input schema with dates as strings, which the runtime also accepts: JSON
    records convert to it as they are."""

    def strings_for_dates(t: pa.DataType) -> pa.DataType:
        if pa.types.is_date32(t):
            return pa.string()
        if pa.types.is_struct(t):
            return pa.struct([f.with_type(strings_for_dates(f.type)) for f in t])
        if pa.types.is_list(t):
            return pa.list_(t.value_field.with_type(strings_for_dates(t.value_type)))
        return t

    return pa.schema([f.with_type(strings_for_dates(f.type)) for f in policy.input_schema])


def corpus_records(policy: dexp.Policy) -> list[dict]:
    """The golden corpus's records that are JSON objects with every declared field present
    and of the declared Arrow type (a missing field reads as null in Arrow, which the runtime
    rightly reports differently)."""
    schema = arrow_input_schema(policy)
    names = set(schema.names)
    out = []
    for line in (ROOT / "tests" / "golden" / "corpus-tenants.ndjson").read_text().splitlines():
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not names <= record.keys():
                continue
            pa.Table.from_pylist([record], schema=schema)
        except (ValueError, TypeError, OverflowError, pa.ArrowException):
            continue
        out.append(record)
    return out


def test_schemas(defender: dexp.Policy) -> None:
    assert isinstance(defender.input_schema, pa.Schema)
    assert defender.input_schema.field("tenant_id").type == pa.string()
    assert defender.input_schema.field("as_of").type == pa.date32()
    decision = defender.decision_schema
    assert decision.names[-1] == "error"
    error = decision.field("error").type
    assert [(f.name, f.type) for f in error] == [("path", pa.string()), ("message", pa.string())]
    [decided] = defender.evaluate([json.loads((ROOT / "policies" / "examples" / "tenants.ndjson").read_text().splitlines()[0])])
    assert decision.names[:-1] == list(decided)


def test_agrees_with_evaluate_on_the_golden_corpus(defender: dexp.Policy) -> None:
    records = corpus_records(defender)
    assert len(records) > 2000
    table = pa.Table.from_pylist(records, schema=arrow_input_schema(defender))
    expected = defender.evaluate(records)
    got = defender.evaluate_arrow(table)
    assert isinstance(got, pa.Table)
    assert got.schema == defender.decision_schema
    assert rows(got) == expected
    assert any(isinstance(e, dexp.RecordError) for e in expected)
    # The same records as one RecordBatch give a RecordBatch with the same rows.
    batch = table.combine_chunks().to_batches()[0]
    got_batch = defender.evaluate_arrow(batch)
    assert isinstance(got_batch, pa.RecordBatch)
    assert rows(got_batch) == expected


def test_tables_of_several_batches_keep_their_order(defender: dexp.Policy) -> None:
    records = corpus_records(defender)[:900]
    schema = arrow_input_schema(defender)
    batches = [pa.RecordBatch.from_pylist(records[i : i + 250], schema=schema) for i in range(0, len(records), 250)]
    got = defender.evaluate_arrow(pa.Table.from_batches(batches))
    assert got.num_rows == len(records)
    assert rows(got) == defender.evaluate(records)
    empty = defender.evaluate_arrow(pa.Table.from_batches([], schema=schema))
    assert empty.num_rows == 0 and empty.schema == defender.decision_schema


def account(id: str, users: int, **extra: Any) -> dict:
    record = {
        "id": id,
        "users": users,
        "licensed_users": users,
        "since": datetime.date(2024, 2, 29),
        "products": [{"name": "p", "mode": "active", "licensed": True}],
    }
    record.update(extra)
    return record


def test_bad_rows_are_reported_per_row_and_the_rest_decided(seats: dexp.Policy) -> None:
    records = [
        account("ok", 3),
        account("overflow", 2**63 - 1),
        account("enum", 3, products=[{"name": "p", "mode": "sideways", "licensed": True}]),
        account("null", 3, licensed_users=None),
        account("ok2", 2**53 + 1),
    ]
    batch = pa.RecordBatch.from_pylist(records, schema=seats.input_schema)
    got = rows(seats.evaluate_arrow(batch))
    assert got == seats.evaluate(records)
    assert got[0]["id"] == "ok" and got[4]["seats"] == 2**53 + 2
    assert isinstance(got[1], dexp.RecordError) and got[1].path.startswith("seats at ")
    assert got[2] == dexp.RecordError("products[0].mode", got[2].message)
    assert "sideways" in got[2].message
    assert isinstance(got[3], dexp.RecordError) and got[3].path == "licensed_users"


def test_undeclared_columns_are_ignored_and_missing_ones_reported(seats: dexp.Policy) -> None:
    batch = pa.RecordBatch.from_pylist([account("x", 3)], schema=seats.input_schema)
    wider = batch.append_column("unrelated", pa.array([b"\x00"], pa.binary()))
    assert rows(seats.evaluate_arrow(wider)) == rows(seats.evaluate_arrow(batch))
    narrower = batch.drop_columns(["users"])
    [error] = rows(seats.evaluate_arrow(narrower))
    assert isinstance(error, dexp.RecordError) and error.path == "users"


def test_not_arrow_is_a_type_error(seats: dexp.Policy) -> None:
    with pytest.raises(TypeError):
        seats.evaluate_arrow([{"id": "x"}])
