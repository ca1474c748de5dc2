"""Policy.evaluate: dicts in, per record the decision dict or a RecordError, agreeing with
``dexpc eval`` on the same records; ints exact at any size."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import dexp
from conftest import ROOT, dexpc_eval

EXAMPLES = ROOT / "policies" / "examples"
GOLDEN = ROOT / "tests" / "golden"


def expected_from_cli(lines: list[str]) -> list[object]:
    """``dexpc eval`` output lines as what evaluate returns: decisions as dicts, error lines
    as RecordErrors."""
    out: list[object] = []
    for line in lines:
        value = json.loads(line)
        if "error" in value and "line" in value:
            out.append(dexp.RecordError(value["error"]["path"], value["error"]["message"]))
        else:
            out.append(value)
    return out


def check_against_cli(policy: dexp.Policy, wasm: Path, path: Path) -> list[object]:
    """evaluate on the records of ``path`` that are JSON, against dexpc eval's lines for them."""
    records, keep = [], []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
            keep.append(True)
        except ValueError:
            keep.append(False)
    cli = dexpc_eval(wasm, path).decode().splitlines()
    assert len(cli) == len(keep)
    got = policy.evaluate(records)
    assert got == expected_from_cli([line for line, k in zip(cli, keep) if k])
    return got


def test_contract_examples_agree_with_dexpc(defender: dexp.Policy, defender_wasm: Path) -> None:
    got = check_against_cli(defender, defender_wasm, EXAMPLES / "tenants.ndjson")
    assert all(isinstance(d, dict) for d in got)


def test_bad_records_are_errors_in_place(defender: dexp.Policy, defender_wasm: Path) -> None:
    got = check_against_cli(defender, defender_wasm, EXAMPLES / "bad-tenants.ndjson")
    errors = [d for d in got if isinstance(d, dexp.RecordError)]
    assert errors and len(errors) < len(got)
    assert all(e.message for e in errors)


def test_golden_corpus_agrees_with_the_committed_decisions(defender: dexp.Policy) -> None:
    # The corpus has lines that are not JSON at all; they cannot be dicts, so they are left out
    # here (evaluate_ndjson covers them), with their expected lines.
    lines = (GOLDEN / "corpus-tenants.ndjson").read_text().splitlines()
    expected_lines = (GOLDEN / "corpus-decisions.ndjson").read_text().splitlines()
    assert len(lines) == len(expected_lines)
    records, expected = [], []
    for line, out in zip(lines, expected_lines):
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
        expected.append(out)
    assert len(records) > 2 * 1024  # crosses the runtime's batch boundaries
    assert defender.evaluate(records) == expected_from_cli(expected)


def test_one_bad_record_does_not_spoil_its_batch(seats: dexp.Policy) -> None:
    good = account("a", 10)
    records = [good, {**good, "users": "ten"}, {**good, "id": "c"}, 42, {**good, "products": [{"name": "x"}]}]
    got = seats.evaluate(records)
    assert isinstance(got[0], dict) and got[0]["id"] == "a"
    assert got[1] == dexp.RecordError("users", "expected int, found string")
    assert isinstance(got[2], dict) and got[2]["id"] == "c"
    assert isinstance(got[3], dexp.RecordError) and got[3].path == ""
    assert isinstance(got[4], dexp.RecordError) and got[4].path.startswith("products[0]")


def account(id: str, users: int, licensed: int | None = None) -> dict:
    return {
        "id": id,
        "users": users,
        "licensed_users": users if licensed is None else licensed,
        "since": "2024-02-29",
        "products": [{"name": "p", "mode": "active", "licensed": True}],
    }


def test_ints_beyond_2_to_the_53_stay_exact(seats: dexp.Policy) -> None:
    big = 2**53 + 1
    [decision] = seats.evaluate([account("big", big)])
    assert decision["users"] == big and type(decision["users"]) is int
    assert decision["seats"] == big + 1
    [top] = seats.evaluate([account("top", 2**63 - 2)])
    assert top["seats"] == 2**63 - 1
    [low] = seats.evaluate([account("low", -(2**63), -(2**63))])
    assert low["users"] == -(2**63)


def test_ints_outside_64_bits_are_errors_never_rounded(seats: dexp.Policy) -> None:
    over, under = seats.evaluate([account("over", 2**63), account("under", -(2**63) - 1)])
    assert isinstance(over, dexp.RecordError) and over.path == "users"
    assert isinstance(under, dexp.RecordError) and under.path == "users"
    # The same text through NDJSON gives the same error.
    line = json.dumps(account("over", 2**63))
    [as_line] = [json.loads(out) for out in seats.evaluate_ndjson(line).splitlines()]
    assert as_line["error"] == {"path": over.path, "message": over.message}


def test_an_overflow_while_deciding_names_the_expression(seats: dexp.Policy) -> None:
    [overflow] = seats.evaluate([account("max", 2**63 - 1)])
    assert isinstance(overflow, dexp.RecordError)
    assert overflow.path.startswith("seats at ")
    assert "overflow" in overflow.message


def test_dates_and_python_values(seats: dexp.Policy) -> None:
    record = account("d", 3) | {"since": datetime.date(2024, 2, 29), "products": ({"name": "p", "mode": "active", "licensed": True},)}
    [decision] = seats.evaluate([record])
    assert decision["since"] == "2024-02-29"
    assert decision["eligible"] is True and decision["reasons"] == []
    [bad_date] = seats.evaluate([account("d", 3) | {"since": "2023-02-29"}])
    assert isinstance(bad_date, dexp.RecordError) and bad_date.path == "since"
    [a_datetime] = seats.evaluate([account("d", 3) | {"since": datetime.datetime(2024, 1, 1)}])
    assert a_datetime == dexp.RecordError("since", "expected a date, found a datetime")


def test_values_without_a_json_form_are_errors_with_their_path(seats: dexp.Policy) -> None:
    record = account("s", 3)
    record["products"][0]["name"] = {1, 2}
    [error] = seats.evaluate([record])
    assert error == dexp.RecordError("products[0].name", "a Python `set` has no JSON form")
    [nan] = seats.evaluate([account("n", 3) | {"users": float("nan")}])
    assert isinstance(nan, dexp.RecordError) and nan.path == "users"


def test_undeclared_keys_are_never_read(seats: dexp.Policy) -> None:
    record = account("u", 3) | {"extra": object(), "more": {1, 2}}
    [decision] = seats.evaluate([record])
    assert isinstance(decision, dict) and decision["id"] == "u"


def test_floats_are_not_ints(seats: dexp.Policy) -> None:
    [error] = seats.evaluate([account("f", 3) | {"users": 3.0}])
    assert isinstance(error, dexp.RecordError) and error.path == "users"


def test_failed_requirements_are_listed(seats: dexp.Policy) -> None:
    [decision] = seats.evaluate([account("r", 10, 5) | {"products": []}])
    assert decision["eligible"] is False
    assert decision["reasons"] == ["unlicensed_users", "no_active_product"]


def test_any_iterable_of_records(seats: dexp.Policy) -> None:
    got = seats.evaluate(account(str(i), i) for i in range(3000))
    assert [d["id"] for d in got] == [str(i) for i in range(3000)]
    assert seats.evaluate([]) == []


def test_record_error_is_a_plain_value() -> None:
    error = dexp.RecordError("a.b", "bad")
    assert (error.path, error.message) == ("a.b", "bad")
    assert str(error) == "a.b: bad"
    assert error == dexp.RecordError("a.b", "bad") and error != dexp.RecordError("a", "bad")
