"""Decimals through the Python host: ``decimal.Decimal`` out, exactly; ints, Decimals and
floats (through their shortest repr) in; inexact or out-of-range numbers are RecordErrors with
their path, never rounded; the NDJSON path writes dexpc's bytes; Arrow decimal columns of any
scale decide as evaluate does."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import pyarrow as pa
import pytest

import dexp
from conftest import HERE, compile_policy, dexpc_eval

D = decimal.Decimal


@pytest.fixture(scope="module")
def prices_wasm(wasm_dir: Path) -> Path:
    return compile_policy(HERE / "policies" / "prices.dexp", wasm_dir)


@pytest.fixture(scope="module")
def prices(prices_wasm: Path) -> dexp.Policy:
    return dexp.Policy.load(prices_wasm)


def order(id: str, price: object, qty: int = 3, tax: object = None) -> dict[str, object]:
    return {"id": id, "price": price, "tax": tax, "qty": qty}


def test_decimals_come_back_exact(prices: dexp.Policy) -> None:
    [quote] = prices.evaluate([order("a", D("19.99"), 3, D("0.10"))])
    assert quote == {"id": "a", "price": D("19.99"), "tax": D("0.1"), "total": D("60.07"), "each": D("6.663333")}
    assert all(type(quote[k]) is D for k in ("price", "tax", "total", "each"))
    [third] = prices.evaluate([order("t", 1, 3)])
    assert third["each"] == D("0.333333") and third["tax"] is None


def test_ints_decimals_and_floats_in(prices: dexp.Policy) -> None:
    got = prices.evaluate([order("i", 5), order("d", D("1E+3")), order("f", 0.1), order("z", D("-0.000"))])
    assert [g["price"] for g in got] == [D(5), D(1000), D("0.1"), D(0)]
    assert str(got[2]["price"]) == "0.1"


def test_inexact_or_out_of_range_is_an_error_never_rounded(prices: dexp.Policy) -> None:
    precise, floaty, large, nan, text = prices.evaluate(
        [order("p", D("0.0000001")), order("f", 1e-7), order("l", 10**13), order("n", D("NaN")), order("s", "1.5")]
    )
    # A Decimal is written as its str, `1E-7`, and read exactly.
    assert precise == dexp.RecordError("price", "1E-7 has more than 6 fractional digits; decimals are never rounded on input")
    assert isinstance(floaty, dexp.RecordError) and floaty.path == "price" and "fractional digits" in floaty.message
    assert isinstance(large, dexp.RecordError) and "outside the decimal range" in large.message
    assert nan == dexp.RecordError("price", "expected a finite decimal, found NaN")
    assert text == dexp.RecordError("price", "expected decimal, found string")


def test_ndjson_writes_dexpc_bytes(prices: dexp.Policy, prices_wasm: Path, tmp_path: Path) -> None:
    lines = [
        '{"id":"a","price":19.990,"qty":3,"tax":1e-2}',
        '{"id":"b","price":-0.000001,"qty":2}',
        '{"id":"c","price":9223372036854.775807,"qty":2}',
        '{"id":"d","price":0.5e-6,"qty":1}',
    ]
    path = tmp_path / "prices.ndjson"
    path.write_text("\n".join(lines) + "\n")
    assert prices.evaluate_ndjson(path.read_bytes()) == dexpc_eval(prices_wasm, path)
    first = json.loads(prices.evaluate_ndjson(lines[0]).splitlines()[0])
    assert first["price"] == 19.99


def test_arrow_decimal_columns_decide_as_evaluate(prices: dexp.Policy) -> None:
    assert prices.input_schema.field("price").type == pa.decimal128(19, 6)
    assert prices.decision_schema.field("total").type == pa.decimal128(19, 6)
    orders = [order("a", D("19.99"), 3, D("0.10")), order("b", D("-0.01"), 7), order("c", D("9999999.99"), 2)]
    # Prices in cents (scale 2), taxes in scale 8: both are read exactly.
    batch = pa.record_batch(
        {
            "id": [o["id"] for o in orders],
            "price": pa.array([o["price"] for o in orders], pa.decimal128(12, 2)),
            "tax": pa.array([o["tax"] for o in orders], pa.decimal128(20, 8)),
            "qty": [o["qty"] for o in orders],
        }
    )
    decisions = prices.evaluate_arrow(batch).to_pylist()
    expected = prices.evaluate(orders)
    for got, want in zip(decisions, expected):
        assert got.pop("error") is None
        assert got == want and all(type(got[k]) is D for k in ("price", "total", "each"))
    # A tax with a nonzero 7th fractional digit is refused, never rounded; ints are decimals.
    inexact = pa.record_batch(
        {
            "id": ["x", "y"],
            "price": pa.array([1, 2], pa.int64()),
            "tax": pa.array([D("0.00000010"), D("0.5")], pa.decimal128(20, 8)),
            "qty": [1, 1],
        }
    )
    bad, good = prices.evaluate_arrow(inexact).to_pylist()
    assert bad["error"] == {"path": "tax", "message": "0.00000010 has more than 6 fractional digits; decimals are never rounded on input"}
    assert good["error"] is None and good["total"] == D("2.5")
