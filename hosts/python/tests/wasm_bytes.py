"""Hostile and broken policy modules, made from a good one by editing its sections.

A WebAssembly module is a header and a sequence of sections (an id byte, a LEB128 size, the
payload); a custom section (id 0) starts with its name. These helpers rewrite that sequence
without understanding the rest, which is enough to drop, repeat or rewrite the ``dexp``
metadata section and to add sections the runtime must refuse.
"""

from __future__ import annotations

import json

HEADER = b"\0asm\x01\0\0\0"


def leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_leb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def sections(module: bytes) -> list[tuple[int, bytes]]:
    """The (id, payload) of every section, in order."""
    assert module[:8] == HEADER
    at, out = 8, []
    while at < len(module):
        sid = module[at]
        size, at = read_leb(module, at + 1)
        out.append((sid, module[at : at + size]))
        at += size
    return out


def assemble(parts: list[tuple[int, bytes]]) -> bytes:
    return HEADER + b"".join(bytes([sid]) + leb(len(payload)) + payload for sid, payload in parts)


def custom(name: str, payload: bytes) -> tuple[int, bytes]:
    encoded = name.encode()
    return 0, leb(len(encoded)) + encoded + payload


def custom_name(payload: bytes) -> str:
    size, at = read_leb(payload, 0)
    return payload[at : at + size].decode()


def custom_body(payload: bytes) -> bytes:
    size, at = read_leb(payload, 0)
    return payload[at + size :]


def without_metadata(module: bytes) -> bytes:
    return assemble([s for s in sections(module) if not (s[0] == 0 and custom_name(s[1]) == "dexp")])


def with_metadata_twice(module: bytes) -> bytes:
    parts = sections(module)
    extra = [s for s in parts if s[0] == 0 and custom_name(s[1]) == "dexp"]
    return assemble(parts + extra)


def with_metadata(module: bytes, edit) -> bytes:
    """The module with its metadata JSON replaced by ``edit(metadata)``."""
    parts = []
    for sid, payload in sections(module):
        if sid == 0 and custom_name(payload) == "dexp":
            metadata = json.loads(custom_body(payload))
            payload = custom("dexp", json.dumps(edit(metadata)).encode())[1]
        parts.append((sid, payload))
    return assemble(parts)


def with_import(module: bytes) -> bytes:
    """The module with a memory import added; the import section goes before the function
    section (id 3), as the format requires."""
    name = leb(3) + b"env" + leb(3) + b"mem"
    imports = leb(1) + name + b"\x02\x00\x01"  # memory, limits without maximum, min 1 page
    parts = sections(module)
    out, placed = [], False
    for sid, payload in parts:
        if not placed and sid != 0 and sid > 2:
            out.append((2, imports))
            placed = True
        out.append((sid, payload))
    return assemble(out)
