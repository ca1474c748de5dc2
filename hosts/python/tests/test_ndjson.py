"""Policy.evaluate_ndjson: exactly the bytes ``dexpc eval`` writes, on the repository's
examples, the golden corpus, the conformance corpus (``tests/conformance/``) and inputs built
to hit the line rules (blank and CRLF lines, invalid UTF-8, a record over its fuel budget)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dexp
from conftest import ROOT, dexpc, dexpc_eval

CONFORMANCE = ROOT / "tests" / "conformance"
INPUTS = [
    ROOT / "policies" / "examples" / "tenants.ndjson",
    ROOT / "policies" / "examples" / "bad-tenants.ndjson",
    ROOT / "tests" / "golden" / "corpus-tenants.ndjson",
    ROOT / "tests" / "golden" / "explain-tenants.ndjson",
]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_same_bytes_as_dexpc_eval(defender: dexp.Policy, defender_wasm: Path, path: Path) -> None:
    expected = dexpc_eval(defender_wasm, path)
    assert expected
    data = path.read_bytes()
    assert defender.evaluate_ndjson(data) == expected
    assert defender.evaluate_ndjson(data.decode()) == expected.decode()


def test_golden_corpus_matches_the_committed_bytes(defender: dexp.Policy) -> None:
    golden = ROOT / "tests" / "golden"
    assert defender.evaluate_ndjson((golden / "corpus-tenants.ndjson").read_bytes()) == (golden / "corpus-decisions.ndjson").read_bytes()


def conformance_cases() -> list[Path]:
    return sorted(p for p in CONFORMANCE.iterdir() if (p / "policy.wasm").exists()) if CONFORMANCE.is_dir() else []


@pytest.mark.parametrize("case", conformance_cases(), ids=lambda p: p.name)
def test_conformance_corpus(case: Path) -> None:
    policy = dexp.Policy.load(case / "policy.wasm")
    expected = (case / "expected.ndjson").read_bytes()
    assert policy.evaluate_ndjson((case / "input.ndjson").read_bytes()) == expected


def test_the_conformance_corpus_is_there_when_the_repository_has_one() -> None:
    # Guards the parametrisation above against silently collecting nothing.
    if CONFORMANCE.is_dir():
        assert conformance_cases(), f"{CONFORMANCE} has no case with a policy.wasm"


def edge_input(tenants: list[bytes]) -> bytes:
    """Blank lines, CRLF endings, whitespace-only lines, a line that is not JSON, a line that
    is not UTF-8 and no final newline."""
    return (
        b"\n"
        + tenants[0] + b"\r\n"
        + b"   \t\n"
        + b"{not json\n"
        + tenants[1][:20] + b"\xff\xfe" + tenants[1][20:] + b"\n"
        + b"\r\n"
        + tenants[2] + b"\n"
        + b"[]\n"
        + tenants[3]
    )


def test_line_rules_match_dexpc(defender: dexp.Policy, defender_wasm: Path, tmp_path: Path) -> None:
    tenants = (ROOT / "policies" / "examples" / "tenants.ndjson").read_bytes().splitlines()
    data = edge_input(tenants)
    path = tmp_path / "edge.ndjson"
    path.write_bytes(data)
    expected = dexpc_eval(defender_wasm, path)
    got = defender.evaluate_ndjson(data)
    assert got == expected
    lines = [json.loads(line) for line in got.splitlines()]
    assert len(lines) == 6
    assert lines[2] == {"line": 5, "error": {"path": "", "message": "invalid UTF-8 at byte 20"}}


def test_str_and_bytes_give_the_same_text(defender: dexp.Policy) -> None:
    text = (ROOT / "policies" / "examples" / "tenants.ndjson").read_text()
    assert defender.evaluate_ndjson(text).encode() == defender.evaluate_ndjson(text.encode())
    assert defender.evaluate_ndjson("") == "" and defender.evaluate_ndjson(b"\n\n") == b""


def test_wrong_input_type(defender: dexp.Policy) -> None:
    with pytest.raises(TypeError):
        defender.evaluate_ndjson([b"{}"])  # type: ignore[call-overload]


def test_a_record_over_its_fuel_budget_is_rejected_alone(defender_wasm: Path, tmp_path: Path) -> None:
    tenants = (ROOT / "policies" / "examples" / "tenants.ndjson").read_text().splitlines()
    huge = json.loads(tenants[1])
    huge["tenant_id"] = "huge"
    huge["servers"] = [
        {"id": f"s{i}", "cloud": "azure", "mde_server_license": i % 2 == 0, "servers_plan": "p1", "endpoint_protection": True}
        for i in range(65_536)
    ]
    lines = tenants[:10] + [json.dumps(huge)] + tenants[10:]
    path = tmp_path / "fuel.ndjson"
    path.write_text("\n".join(lines))
    expected = dexpc_eval(defender_wasm, path, "--fuel", "5000")
    policy = dexp.Policy.load(defender_wasm, fuel_per_record=5000)
    got = policy.evaluate_ndjson(path.read_bytes())
    assert got == expected
    rejected = json.loads(got.splitlines()[10])
    assert rejected["tenant_id"] == "huge"
    assert "stopped by the runtime's limits" in rejected["error"]["message"]
    # The dict API rejects the same record the same way and decides its neighbours.
    records = [json.loads(line) for line in lines]
    decided = policy.evaluate(records)
    assert decided[10] == dexp.RecordError("", rejected["error"]["message"])
    assert decided[:10] + decided[11:] == [json.loads(line) for line in dexpc_eval(defender_wasm, ROOT / "policies" / "examples" / "tenants.ndjson").splitlines()]


def test_refused_modules_are_refused_by_dexpc_too(tmp_path: Path) -> None:
    path = tmp_path / "x.wasm"
    path.write_bytes(b"\0asm\x01\0\0\0")
    assert dexpc("eval", path, "-", input=b"").returncode != 0
