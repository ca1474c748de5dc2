"""Shared fixtures: the repository's policies compiled by ``dexpc``, and ``dexpc eval`` itself
as the reference every host must reproduce byte for byte.

``DEXPC`` names the ``dexpc`` binary (default: ``target/debug/dexpc`` of this checkout, which
``scripts/suites/30-python.sh`` builds).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import dexp

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent


def dexpc_path() -> Path:
    path = Path(os.environ.get("DEXPC", ROOT / "target" / "debug" / "dexpc"))
    if not path.exists():
        raise RuntimeError(f"dexpc not found at {path}: build it with `cargo build -p dexp-compiler` or set DEXPC")
    return path


def dexpc(*args: str | os.PathLike[str], input: bytes | None = None, check: bool = False) -> subprocess.CompletedProcess[bytes]:
    """Runs dexpc with ``args``; returns its completed process (stdout and stderr as bytes)."""
    return subprocess.run([str(dexpc_path()), *map(str, args)], input=input, capture_output=True, check=check)


def compile_policy(source: Path, out_dir: Path) -> Path:
    wasm = out_dir / (source.stem + ".wasm")
    dexpc("compile", source, "-o", wasm, check=True)
    return wasm


@pytest.fixture(scope="session")
def wasm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wasm")


@pytest.fixture(scope="session")
def defender_wasm(wasm_dir: Path) -> Path:
    """The reference policy of the repository, compiled."""
    return compile_policy(ROOT / "policies" / "defender_experts.dexp", wasm_dir)


@pytest.fixture(scope="session")
def defender(defender_wasm: Path) -> dexp.Policy:
    return dexp.Policy.load(defender_wasm)


@pytest.fixture(scope="session")
def seats_wasm(wasm_dir: Path) -> Path:
    """A small test policy whose ints pass through to the decision."""
    return compile_policy(HERE / "policies" / "seats.dexp", wasm_dir)


@pytest.fixture(scope="session")
def seats(seats_wasm: Path) -> dexp.Policy:
    return dexp.Policy.load(seats_wasm)


def dexpc_eval(wasm: Path, input_path: Path, *flags: str) -> bytes:
    """What ``dexpc eval`` writes on stdout for ``input_path``."""
    return dexpc("eval", *flags, wasm, input_path).stdout
