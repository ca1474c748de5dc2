"""Policy.load: modules from bytes and paths, and refusals as typed errors with the runtime's
reason (the same text ``dexpc inspect`` prints for the same bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dexp
import wasm_bytes
from conftest import dexpc


def test_loads_from_bytes_str_and_pathlike(defender_wasm: Path) -> None:
    for source in (defender_wasm.read_bytes(), bytearray(defender_wasm.read_bytes()), str(defender_wasm), defender_wasm):
        policy = dexp.Policy.load(source)
        assert policy.name == "defender_experts"
        assert policy.key == "tenant_id"
        assert "defender_experts" in repr(policy)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        dexp.Policy.load(tmp_path / "nope.wasm")


def test_other_sources_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        dexp.Policy.load(12)  # type: ignore[arg-type]


def refusal(module: bytes, tmp_path: Path) -> str:
    """Loads ``module``, expecting a LoadError; checks that dexpc refuses it with the same
    reason, and returns it."""
    with pytest.raises(dexp.LoadError) as caught:
        dexp.Policy.load(module)
    reason = str(caught.value)
    assert isinstance(caught.value, dexp.DexpError)
    path = tmp_path / "bad.wasm"
    path.write_bytes(module)
    inspected = dexpc("inspect", path)
    assert inspected.returncode == 2
    assert reason in inspected.stderr.decode(), inspected.stderr
    return reason


def test_garbage_is_refused(tmp_path: Path) -> None:
    assert "not valid WebAssembly" in refusal(b"not a module at all", tmp_path)


def test_truncated_module_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    data = defender_wasm.read_bytes()
    assert "not valid WebAssembly" in refusal(data[: len(data) // 2], tmp_path)


def test_empty_module_is_refused(tmp_path: Path) -> None:
    assert refusal(wasm_bytes.HEADER, tmp_path)


def test_module_without_metadata_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    reason = refusal(wasm_bytes.without_metadata(defender_wasm.read_bytes()), tmp_path)
    assert reason == "the module has no `dexp` section"


def test_module_with_two_metadata_sections_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    reason = refusal(wasm_bytes.with_metadata_twice(defender_wasm.read_bytes()), tmp_path)
    assert reason == "the module has more than one `dexp` section"


def test_another_abi_version_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    def bump(metadata: dict) -> dict:
        metadata["abi_version"] = dexp.ABI_VERSION + 98
        return metadata

    reason = refusal(wasm_bytes.with_metadata(defender_wasm.read_bytes(), bump), tmp_path)
    assert f"ABI version {dexp.ABI_VERSION + 98}" in reason


def test_a_layout_that_disagrees_with_the_schema_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    def shrink(metadata: dict) -> dict:
        metadata["layout"]["input_size"] += 8
        return metadata

    assert refusal(wasm_bytes.with_metadata(defender_wasm.read_bytes(), shrink), tmp_path)


def test_a_module_that_imports_is_refused(defender_wasm: Path, tmp_path: Path) -> None:
    assert refusal(wasm_bytes.with_import(defender_wasm.read_bytes()), tmp_path)

