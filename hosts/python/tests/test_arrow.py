"""Policy.evaluate_arrow: pyarrow batches and tables through the Arrow C data interface, with
the same decisions and the same per-row errors as evaluate on the same records."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pyarrow as pa
import pytest

import dexp
from conftest import ROOT, compile_policy


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


def to_arrow_form(value: Any, t: pa.DataType) -> Any:
    """A record's value as pyarrow takes it for type ``t``: maps as lists of (key, value)."""
    if value is None:
        return None
    if pa.types.is_map(t):
        return [(k, to_arrow_form(v, t.item_type)) for k, v in value]
    if pa.types.is_struct(t):
        return {f.name: to_arrow_form(value.get(f.name), f.type) for f in t}
    if pa.types.is_list(t):
        return [to_arrow_form(v, t.value_type) for v in value]
    return value


def from_arrow_form(value: Any, t: pa.DataType) -> Any:
    """A decision value read from Arrow in the form evaluate gives: maps as dicts, dates as text."""
    if value is None:
        return None
    if pa.types.is_map(t):
        return {k: from_arrow_form(v, t.item_type) for k, v in value}
    if pa.types.is_struct(t):
        return {f.name: from_arrow_form(value[f.name], f.type) for f in t}
    if pa.types.is_list(t):
        return [from_arrow_form(v, t.value_type) for v in value]
    return json_form(value)


def test_maps_go_through_arrow_as_through_evaluate(tmp_path: Any) -> None:
    policy = dexp.Policy.load(compile_policy(ROOT / "tests" / "policies" / "maps.dexp", tmp_path))
    plan = {"tier": "premium", "seats": 3, "renews": datetime.date(2026, 1, 31), "tags": ["x"]}

    def tenant(id: str, seats: list, plans: list, labels: list) -> dict:
        # Maps as lists of entries, so that a key can be given twice.
        return {
            "id": id, "sku": "E5", "seats": seats, "plans": plans, "flags": [("zz", True), ("a", False)],
            "labels": labels, "products": [{"name": "p", "quotas": [("b", 1), ("a", 2)]}],
            "nested": [("x", [("b", 1), ("a", 2)])],
        }

    records = [
        tenant("t1", [("E5", 3), ("a", 1), ("E3", 2)], [("E5", plan), ("E3", plan)], [("E5", "five")]),
        tenant("t2", [("a", 1), ("a", 2)], [], []),
        tenant("t3", [], [], [("x", "abc")]),
        tenant("t4", [("é", 1), ("e", 2), ("", 3)], [("", plan)], [("", "none")]),
    ]
    schema = policy.input_schema
    assert pa.types.is_map(schema.field("seats").type)
    batch = pa.RecordBatch.from_pylist(
        [{f.name: to_arrow_form(r[f.name], f.type) for f in schema} for r in records], schema=schema
    )
    # The same records for evaluate: maps as dicts, with the duplicate key as JSON text.
    as_dicts = [{k: (dict(v) if k in ("seats", "plans", "flags", "labels") else v) for k, v in r.items()} for r in records]
    for r in as_dicts:
        r["nested"] = {k: dict(v) for k, v in r["nested"]}
        r["products"] = [{"name": p["name"], "quotas": dict(p["quotas"])} for p in r["products"]]
    expected = policy.evaluate(as_dicts)
    decisions = policy.evaluate_arrow(batch)
    assert decisions.schema == policy.decision_schema
    got: list[Any] = []
    for row in decisions.to_pylist():
        error = row.pop("error")
        if error:
            got.append(dexp.RecordError(error["path"], error["message"]))
        else:
            got.append({f.name: from_arrow_form(row[f.name], f.type) for f in decisions.schema if f.name != "error"})
    assert got[1] == dexp.RecordError('seats["a"]', "duplicate key")
    # The dict of record t2 lost its duplicate, so evaluate decides it: compare the others.
    assert [got[i] for i in (0, 2, 3)] == [expected[i] for i in (0, 2, 3)]
    assert list(got[0]["seats"]) == ["E3", "E5", "a"], "maps come back in key order"
    assert got[3]["a_seats"] == 0 and list(got[3]["seats"]) == ["", "e", "é"]
