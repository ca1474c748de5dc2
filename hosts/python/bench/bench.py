"""Speed of the Python package against the Rust runtime and the Python JSON floor, side by
side in one run on the same tenants.

    python3 hosts/python/bench/bench.py --dexpc target/release/dexpc --tenants tenants.ndjson

Measures, on one core, best of ``--repeat`` runs, in records per second:

- ``evaluate_arrow``: a ``pyarrow.Table`` of the tenants (batches of ``--batch`` rows) to a
  table of decisions, through the Arrow C data interface;
- Rust Arrow path: ``dexpc eval --jobs 1`` from an Arrow IPC file of the same table to an
  Arrow IPC file, less the time the same command takes on an empty file (process start,
  module load), so both sides count the same work;
- ``evaluate_ndjson``: NDJSON bytes in, the bytes ``dexpc eval`` writes out;
- ``evaluate(list[dict])``: dicts in (already parsed), decision dicts out;
- the Python JSON floor: ``json.loads`` of each line and ``json.dumps`` of a small dict back,
  the least any Python code that reads and writes JSON records pays.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

import dexp


def best(repeat: int, f: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def strings_for_dates(t: pa.DataType) -> pa.DataType:
    if pa.types.is_date32(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(strings_for_dates(f.type)) for f in t])
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(strings_for_dates(t.value_type)))
    return t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dexpc", required=True, help="a release build of dexpc")
    parser.add_argument("--tenants", required=True, type=Path, help="NDJSON of valid tenants")
    parser.add_argument("--policy", type=Path, help="the policy (.wasm); default: compile the repository's")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=65_536, help="rows per Arrow record batch")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wasm = args.policy
        if wasm is None:
            wasm = work / "policy.wasm"
            root = Path(__file__).resolve().parents[3]
            subprocess.run([args.dexpc, "compile", str(root / "policies" / "defender_experts.dexp"), "-o", str(wasm)], check=True, capture_output=True)
        policy = dexp.Policy.load(wasm)
        data = args.tenants.read_bytes()
        lines = data.decode().splitlines()
        records = [json.loads(line) for line in lines]
        n = len(records)

        schema = policy.input_schema
        as_read = pa.schema([f.with_type(strings_for_dates(f.type)) for f in schema])
        table = pa.Table.from_pylist(records, schema=as_read).cast(schema)
        table = pa.Table.from_batches(table.combine_chunks().to_batches(max_chunksize=args.batch))
        ipc_in, ipc_out, empty_in = work / "in.arrow", work / "out.arrow", work / "empty.arrow"
        for path, t in ((ipc_in, table), (empty_in, table.slice(0, 0))):
            with pa.ipc.new_file(path, t.schema) as writer:
                writer.write_table(t)

        # The outputs agree before anything is timed.
        decisions = policy.evaluate_arrow(table)
        subprocess.run([args.dexpc, "eval", "--jobs", "1", str(wasm), str(ipc_in), "-o", str(ipc_out)], check=False, capture_output=True)
        rust = pa.ipc.open_file(ipc_out).read_all()
        if rust.to_pylist() != decisions.to_pylist():
            print("evaluate_arrow and dexpc eval disagree", file=sys.stderr)
            return 1

        def dexpc_arrow(path: Path) -> Callable[[], object]:
            command = [args.dexpc, "eval", "--jobs", "1", str(wasm), str(path), "-o", str(ipc_out)]
            return lambda: subprocess.run(command, check=False, capture_output=True)

        def floor() -> None:
            for line in lines:
                d = json.loads(line)
                json.dumps({"tenant_id": d["tenant_id"], "eligible": True})

        rows = [
            ("evaluate_arrow (Table -> Table)", best(args.repeat, lambda: policy.evaluate_arrow(table))),
            ("Rust: dexpc eval --jobs 1, Arrow IPC -> Arrow IPC, net of start-up",
             best(args.repeat, dexpc_arrow(ipc_in)) - best(args.repeat, dexpc_arrow(empty_in))),
            ("evaluate_ndjson (bytes -> bytes)", best(args.repeat, lambda: policy.evaluate_ndjson(data))),
            ("evaluate (list[dict] -> list[dict])", best(args.repeat, lambda: policy.evaluate(records))),
            ("Python JSON floor (json.loads + json.dumps of a small dict)", best(args.repeat, floor)),
        ]
        print(f"{n} tenants, best of {args.repeat}, one core")
        width = max(len(name) for name, _ in rows)
        for name, seconds in rows:
            print(f"{name:<{width}}  {seconds * 1e3:9.1f} ms  {n / seconds:12,.0f} records/s")
        arrow_py, arrow_rs = rows[0][1], rows[1][1]
        print(f"evaluate_arrow / Rust Arrow path: {arrow_py / arrow_rs:.2f}x the time")
        print(f"evaluate_ndjson / JSON floor: {rows[2][1] / rows[4][1]:.2f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
