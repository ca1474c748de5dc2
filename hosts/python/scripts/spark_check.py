"""The Spark check behind ``scripts/spark-check.sh``: Parquet in, the example job on PySpark in
``local[2]``, and every decision compared with ``dexpc eval`` on the same records.

Expects in ``--work``: ``policy.wasm`` and ``generated.ndjson`` (realistic tenants from the
benches' generator). Every 997th tenant gets ``users.total`` near 2^63 (exact ints through
Parquet and Spark); on the reference policy these are still decided, so this check has no
rejected rows (per-row errors through Arrow are covered by the pytest suite).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
JOB = HERE.parent / "examples" / "spark_job.py"
sys.path.insert(0, str(JOB.parent))

import spark_job  # noqa: E402

if TYPE_CHECKING:
    import dexp


def json_form(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    return value


def strings_for_dates(t: pa.DataType) -> pa.DataType:
    if pa.types.is_date32(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(strings_for_dates(f.type)) for f in t])
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(strings_for_dates(t.value_type)))
    return t


def make_inputs(policy: dexp.Policy, work: Path) -> int:
    """Writes tenants.ndjson and the same records as tenants.parquet; returns their number."""
    lines = (work / "generated.ndjson").read_text().splitlines()
    records = []
    for i, line in enumerate(lines):
        record = json.loads(line)
        if i % 997 == 500:
            record["users"]["total"] = 2**63 - 1 - i
            record["users"]["entra_p1_licensed"] = 2**63 - 1 - i
        records.append(record)
    (work / "tenants.ndjson").write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
    schema = policy.input_schema
    as_read = pa.schema([f.with_type(strings_for_dates(f.type)) for f in schema])
    table = pa.Table.from_pylist(records, schema=as_read).cast(schema)
    pq.write_table(table, work / "tenants.parquet", row_group_size=20_000)
    return len(records)


def run(command: list[str], **kwargs: Any) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dexpc", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--wheel", required=True, type=Path, help="the dexp wheel to ship with --py-files")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    wheel = args.wheel.resolve()
    wasm = work / "policy.wasm"
    sys.path.append(str(wheel))
    policy = spark_job.import_dexp().Policy.load(wasm)
    n = make_inputs(policy, work)
    print(f"{n} tenants in {work / 'tenants.parquet'} ({(work / 'tenants.parquet').stat().st_size} bytes)")

    # dexpc exits 1 when any record is rejected, which these inputs have on purpose.
    start = time.perf_counter()
    with open(work / "cli.ndjson", "wb") as out:
        done = subprocess.run([args.dexpc, "eval", str(wasm), str(work / "tenants.ndjson")], stdout=out, stderr=subprocess.PIPE)
    cli_seconds = time.perf_counter() - start
    print(f"dexpc eval (NDJSON): {cli_seconds:.1f} s, {done.stderr.decode().strip()}")
    if done.returncode not in (0, 1):
        print("dexpc eval failed", file=sys.stderr)
        return 1

    import pyspark

    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    spark_seconds = run(
        [
            str(spark_submit),
            "--master", "local[2]",
            "--conf", "spark.ui.enabled=false",
            "--conf", "spark.driver.host=127.0.0.1",
            "--conf", "spark.driver.bindAddress=127.0.0.1",
            "--files", str(wasm),
            "--py-files", str(wheel),
            str(JOB), "policy.wasm", str(work / "tenants.parquet"), str(work / "spark-decisions"),
        ],
        env=env,
        stderr=open(work / "spark.log", "wb"),
    )
    print(f"spark-submit --master local[2] (with JVM start-up): {spark_seconds:.1f} s")

    spark_rows = pq.read_table(work / "spark-decisions").to_pylist()
    by_key: dict[str, dict] = {}
    for row in spark_rows:
        if row["tenant_id"] in by_key:
            print(f"tenant {row['tenant_id']!r} decided twice by Spark", file=sys.stderr)
            return 1
        by_key[row["tenant_id"]] = row
    cli_lines = (work / "cli.ndjson").read_text().splitlines()
    mismatches = decided = rejected = 0
    for line in cli_lines:
        expected = json.loads(line)
        row = by_key.pop(expected["tenant_id"], None)
        if row is None:
            mismatches += 1
            continue
        error = row.pop("error")
        if "error" in expected and "line" in expected:
            rejected += 1
            same = error is not None and error == expected["error"]
        else:
            decided += 1
            same = error is None and json_form(row) == expected
        if not same:
            mismatches += 1
            if mismatches <= 3:
                print(f"differs: dexpc {line}\n   spark {row} {error}", file=sys.stderr)
    extra = len(by_key)
    print(f"compared {len(cli_lines)} records: {decided} decided and {rejected} rejected by both, "
          f"{mismatches} differ, {extra} only in Spark's output")
    ok = mismatches == 0 and extra == 0 and len(cli_lines) == n == len(spark_rows)
    print("spark check: OK" if ok else "spark check: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
