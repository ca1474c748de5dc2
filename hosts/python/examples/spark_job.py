"""Decide a table of tenants with a dexp policy on Spark, and write the decisions as Parquet.

    spark-submit --master 'local[2]' --files policy.wasm \\
        --py-files dexp-0.1.0-cp310-abi3-manylinux_2_34_x86_64.whl \\
        hosts/python/examples/spark_job.py policy.wasm tenants.parquet decisions.parquet

Each executor task receives its partition as Arrow record batches (``mapInArrow``), so rows
are never turned into Python objects: the batches go through the Arrow C data interface into
the Rust runtime and the decisions come back the same way. The policy's ``.wasm`` is shipped
with ``--files`` (or read from a path every node can see) and loaded once per Python worker
process; Spark reuses its Python workers between tasks, so that is once per executor core in
practice. The output has the policy's decision columns plus ``error`` (``path``, ``message``),
which is null for decided rows; with ``--keep COLUMN`` input columns are carried over too.

The ``dexp`` wheel can be installed on every node, or shipped with the job by ``--py-files``:
Python cannot load a native module from inside a zip, so ``import_dexp`` unpacks a shipped
wheel once per machine into the temporary directory and imports it from there.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow
    from pyspark.sql import DataFrame

    import dexp

def import_dexp():  # noqa: ANN201 (the module)
    """The ``dexp`` module: installed, or from a wheel on ``sys.path`` (``--py-files``)."""
    try:
        return importlib.import_module("dexp")
    except ImportError:
        pass
    candidates = list(sys.path)
    try:
        from pyspark import SparkFiles

        root = SparkFiles.getRootDirectory()
        candidates += [os.path.join(root, f) for f in sorted(os.listdir(root))]
    except Exception:  # noqa: BLE001 (no Spark context here: sys.path is all there is)
        pass
    for entry in candidates:
        name = os.path.basename(entry)
        if not (name.startswith("dexp-") and name.endswith(".whl") and os.path.isfile(entry)):
            continue
        stat = os.stat(entry)
        target = os.path.join(tempfile.gettempdir(), f"{name}-{stat.st_size}-{int(stat.st_mtime)}")
        if not os.path.isdir(target):
            # Unpack beside the target and rename, so concurrent workers never see half a tree.
            staging = tempfile.mkdtemp(dir=tempfile.gettempdir(), prefix=name)
            with zipfile.ZipFile(entry) as wheel:
                wheel.extractall(staging)
            try:
                os.rename(staging, target)
            except OSError:
                pass  # another worker was first; its tree is the same
        sys.path.insert(0, target)
        return importlib.import_module("dexp")
    raise ImportError("dexp is neither installed nor shipped as a wheel with --py-files")


def load_policy(wasm: str) -> dexp.Policy:
    """The policy of ``wasm``, loaded once per Python worker process: a path, or the name of a
    file shipped with ``--files``. The cache lives in the imported ``dexp`` module, because
    this file's own globals are pickled with each task and would be fresh every time."""
    dexp = import_dexp()
    cache = dexp.__dict__.setdefault("_loaded_by_spark_job", {})
    policy = cache.get(wasm)
    if policy is None:
        policy = cache[wasm] = dexp.Policy.load(policy_path(wasm))
    return policy


def policy_path(wasm: str) -> str:
    """``wasm`` itself when it exists here, else the copy shipped with ``--files``."""
    from pyspark import SparkFiles

    return wasm if os.path.exists(wasm) else SparkFiles.get(os.path.basename(wasm))


def decide(df: DataFrame, wasm: str, keep: list[str] | None = None) -> DataFrame:
    """``df`` with one row of decisions per row, in the policy's decision schema, after the
    input columns named in ``keep``."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    keep = keep or []
    decision_schema = import_dexp().Policy.load(policy_path(wasm)).decision_schema
    decision_fields = from_arrow_schema(decision_schema).fields
    kept_fields = [df.schema[name] for name in keep]
    spark_schema = StructType(kept_fields + list(decision_fields))

    def run(batches: Iterator[pyarrow.RecordBatch]) -> Iterator[pyarrow.RecordBatch]:
        import pyarrow as pa

        policy = load_policy(wasm)
        for batch in batches:
            decisions = policy.evaluate_arrow(batch)
            if keep:
                columns = [batch.column(name) for name in keep] + decisions.columns
                decisions = pa.RecordBatch.from_arrays(columns, names=keep + decisions.schema.names)
            yield decisions

    return df.mapInArrow(run, spark_schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("policy", help="the policy module (.wasm), a path or a file shipped with --files")
    parser.add_argument("input", help="Parquet file or directory of tenants")
    parser.add_argument("output", help="Parquet directory to write the decisions to")
    parser.add_argument("--keep", action="append", default=[], help="an input column to carry over (repeatable)")
    args = parser.parse_args()

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("dexp-decide").getOrCreate()
    tenants = spark.read.parquet(args.input)
    decisions = decide(tenants, args.policy, args.keep)
    decisions.write.mode("overwrite").parquet(args.output)
    spark.stop()


if __name__ == "__main__":
    main()
