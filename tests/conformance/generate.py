#!/usr/bin/env python3
"""Writes the `input.ndjson` of every conformance case (except `reference-contract`, a copy of
the contract's example tenants). The inputs are committed: this script only documents how they
were made and remakes them when a case changes. Run it from anywhere:

    python3 tests/conformance/generate.py

then refresh the expected outputs with `BLESS=1 cargo test -p dexp-compiler --test conformance`
and review the diff. Inputs are raw bytes: CRLF, blank lines, invalid UTF-8 and a last line
without a newline are deliberate.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(case: str, lines: list, final_newline: bool = True) -> None:
    """Joins byte or text lines with LF (a line may carry its own CR) and writes the case input."""
    raw = [line.encode("utf-8") if isinstance(line, str) else line for line in lines]
    data = b"\n".join(raw) + (b"\n" if final_newline else b"")
    (HERE / case / "input.ndjson").write_bytes(data)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def types_record(**changes) -> dict:
    """A valid record of the `types` policy with every optional present, then `changes`."""
    record = {
        "s": "text",
        "n": 7,
        "b": True,
        "d": "2024-02-29",
        "c": "green",
        "os": "optional",
        "on": -3,
        "od": "2025-01-01",
        "oc": "blue",
        "ob": False,
        "inner": {"label": "text", "n": 1},
        "oinner": {"label": "o", "n": None},
        "ns": [1, 2, 3],
        "ss": ["a", "b"],
        "inners": [{"label": "x"}, {"label": "y", "n": 2}],
        "nested": [[], [1], [2, 3]],
        "maybe": [4, None],
    }
    for key, value in changes.items():
        if value is DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


DROP = object()
OPTIONALS = ["os", "on", "od", "oc", "ob", "oinner"]


def types_with_raw(field: str, raw: str) -> str:
    """A `types` record whose field `field` is the raw JSON text `raw` (for numbers and escapes
    that Python's json module would rewrite)."""
    record = types_record()
    record[field] = "@@RAW@@"
    return dumps(record).replace('"@@RAW@@"', raw)


def types_case() -> None:
    lines = [
        dumps(types_record()),
        # Every optional absent, then every optional null: the same decision.
        dumps(types_record(**{k: DROP for k in OPTIONALS})),
        dumps(types_record(**{k: None for k in OPTIONALS})),
        # A list is never optional: `list of int?` is a list of optional ints.
        dumps(types_record(maybe=DROP)),
        # Nested optionals: present record with an absent and a null optional inside.
        dumps(types_record(inner={"label": "in"}, oinner={"label": "o", "n": None}, maybe=[])),
        dumps(types_record(maybe=[None, None, -1])),
        types_with_raw("maybe", "null"),
        # Every requirement fails, every advisory holds.
        dumps(types_record(n=-1, inner={"label": ""}, ns=[], c="red", on=0)),
        # Every enum value, calendar edges.
        dumps(types_record(c="red", oc=None, d="0001-01-01", od=None)),
        dumps(types_record(c="blue", oc="red", d="9999-12-30", od=None)),
        dumps(types_record(d="2000-02-29", od="9999-12-31")),
        # 9999-12-31 + 1 day leaves the calendar: a date-range failure in a keyless policy.
        dumps(types_record(d="9999-12-31", od=None)),
        # Field order does not matter; unknown fields of any shape are ignored.
        '{"zz":{"a":[1,{"b":null}]},"maybe":[null],"nested":[],"inners":[],"ss":[],"ns":[5],'
        '"oinner":null,"inner":{"n":null,"label":"L","extra":true},"ob":true,"oc":"green",'
        '"od":null,"on":null,"os":null,"c":"blue","d":"1970-01-01","b":false,"n":0,"s":"L",'
        '"unknown":1e99}',
        # Ignored fields are skipped, not decoded: even a number beyond the double range is no error.
        dumps(types_record()).replace('"s":', '"zz":1e999,"s":'),
        # Whitespace everywhere JSON allows it.
        ' {\t"s" : "w" ,\r"n":1,"b":true,"d":"2026-12-31","c":"red","inner":{"label":"w"},'
        '"ns":[ 1 , 2 ],"ss":[],"inners":[],"nested":[[ ]],"maybe":[ null ]}\t ',
    ]
    write("types", lines)


def ints_case() -> None:
    numbers = [
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "-18446744073709551616",
        "100000000000000000000000000000",
        "1e400",
        "0",
        "-0",
        "1.0",
        "1e3",
        "1E3",
        "1e+3",
        "10e-1",
        "-0.0",
        "0.5",
        "-1.5",
        "1.5e-7",
        "123456.789",
        "9.2e18",
        "9.3e18",
        "9223372036854775807.0",
        "00",
        "01",
        "-",
        "+1",
        "1.",
        ".5",
        "0x10",
        "NaN",
        "Infinity",
        '"5"',
        "true",
        "null",
        "[]",
        "{}",
    ]
    lines = [types_with_raw("n", raw) for raw in numbers]
    record = types_record()
    # Exact 64-bit values through lists, sums and optionals.
    lines.append(dumps(types_record(ns=[9223372036854775807, -9223372036854775808], on=9223372036854775807)))
    lines.append(dumps(types_record(ns=[-9223372036854775808], on=-9223372036854775808)))
    lines.append(dumps(types_record(ns=[9223372036854775807, 1])))  # the sum overflows
    lines.append(dumps(types_record(ns=[-9223372036854775808, -1])))
    # Where the bad number is: an optional, a nested record, list elements.
    lines.append(types_with_raw("on", "9223372036854775808"))
    lines.append(types_with_raw("inner", '{"label":"x","n":1.0}'))
    lines.append(types_with_raw("inners", '[{"label":"x"},{"label":"y","n":-9223372036854775809}]'))
    lines.append(types_with_raw("ns", "[1,2,3e0]"))
    lines.append(types_with_raw("nested", "[[1],[2,18446744073709551616]]"))
    # Numbers where another type is expected.
    lines.append(types_with_raw("b", "1"))
    lines.append(types_with_raw("b", "-1"))
    lines.append(types_with_raw("b", "1.5"))
    lines.append(types_with_raw("s", "12345678901234567890"))
    lines.append(types_with_raw("c", "2"))
    lines.append(types_with_raw("d", "20240101"))
    lines.append(types_with_raw("ss", "[0.25]"))
    # Beyond 2^53 a double cannot hold every int: these must pass through exactly.
    lines.append(dumps(types_record(n=2**53 + 1, on=-(2**53 + 1), ns=[2**53 + 1, 2**62 + 1, -(2**63) + 1])))
    del record
    write("ints", lines)


def strings_case() -> None:
    escapes = r'"q\" b\\ s\/ \b \f \n \r \t nul\u0000 us\u001f del\u007f \u0080 \u00e9 \u2028 \u2029 \ufeff \uffff \uD83D\uDE00"'
    lines = [
        types_with_raw("s", escapes),
        types_with_raw("ss", '["", "plain", "\u00e9t\u00e9", "😀𝄞", "\\ud83d\\ude00", "a\\u0000b", "\x7f"]'),
        # Raw (unescaped) non-ASCII of every UTF-8 length.
        dumps(types_record(s="é€😀𝄞 ab", inner={"label": "é€😀𝄞 ab"})),
        # Strings equal after unescaping.
        types_with_raw("s", r'"\u0074ext"'),
        # Escapes in enum values, dates and field names.
        types_with_raw("c", r'"gr\u0065en"'),
        types_with_raw("d", r'"\u0032024-01-01"'),
        dumps(types_record()).replace('"ob":', '"\\u006fb":'),
        dumps(types_record()).replace('"ob":false', '"ob":false,"\\u006fb":true'),
        # Lone surrogates and bad escapes are not JSON.
        types_with_raw("s", r'"\ud800"'),
        types_with_raw("s", r'"\udc00"'),
        types_with_raw("s", r'"\ud800\u0041"'),
        types_with_raw("s", r'"\ud83d\ud83d"'),
        types_with_raw("s", r'"\x41"'),
        types_with_raw("s", r'"\u12"'),
        types_with_raw("s", '"tab\there"'),
        types_with_raw("s", '"nl\x01"'),
        types_with_raw("s", '"unterminated'),
        # Unknown enum values are quoted in the message, cut to 64 characters.
        types_with_raw("c", '"Red"'),
        types_with_raw("c", '"quote\\" and \\\\ back"'),
        types_with_raw("c", '"' + "é" * 70 + '"'),
        types_with_raw("c", '"' + "😀" * 65 + '"'),
        types_with_raw("c", '""'),
        # Impossible and malformed dates.
        types_with_raw("d", '"2026-02-30"'),
        types_with_raw("d", '"2023-02-29"'),
        types_with_raw("d", '"2026-2-3"'),
        types_with_raw("d", '"0000-12-31"'),
        types_with_raw("d", '"10000-01-01"'),
        types_with_raw("d", '"2026-01-01T00:00:00Z"'),
        types_with_raw("d", '" 2026-01-01"'),
        types_with_raw("d", '""'),
        types_with_raw("od", '"2026-13-01"'),
        # Wrong types for strings.
        types_with_raw("s", "null"),
        types_with_raw("s", "false"),
        types_with_raw("s", '["a"]'),
        types_with_raw("s", '{"a":1}'),
        types_with_raw("ss", '["a",1]'),
        types_with_raw("os", "5"),
    ]
    write("strings", lines)


def lines_case() -> None:
    lines = [
        b'{"id":"a","n":1}',
        b"",
        b"   \t ",
        b'{"id":"b","n":2}\r',
        b"\r",
        b'{"id":"c","n":3}\r\r',
        b'{"id":"d",\r"n":4}',
        b"\x0c",
        b"\xc2\xa0",
        b"\x0b",
        b"not json",
        b'{"id":"e","n":5} {"id":"f"}',
        b"[1,2]",
        b'"str"',
        b"null",
        b"42",
        b"true",
        b'{"id":"g"}',
        b'{"n":7}',
        b"{}",
        b'{"id":5,"n":"x"}',
        b'{"n":"x","id":"h"}',
        b'{"id":"i","n":1,"n":2}',
        b'{"id":"j\\"k","n":1',
        b'{"id":"\xff","n":1}',
        b'{"id":"l","n":4611686018427387904}',
        b'{"id":"m","n":1,"id":"z"}',
        b'{"id":"\\u00e9\\ud83d\\ude00","n":"x"}',
        b'{"id":"tab\\there","n":"x"}',
        b'{"id":"ctl\\u0001\\u001f","n":9223372036854775807}',
        b'  {"id":"o","n":1}  \t',
        b'{"id":"p","n":1,}',
        b'{"id":"q" "n":1}',
        b"{'id':'r','n':1}",
        b'{"id":"s","n":1,"x":' + b"[" * 200 + b"]" * 200 + b"}",
        b'{"id":"t","n":1,"x":' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"id":"u","n":1}\x00',
        b"\xef\xbb\xbf" + b'{"id":"bom","n":1}',
        b'{"id":"v","n":-4611686018427387905}',
        b'{"id":"last","n":9}',
    ]
    write("lines", lines, final_newline=False)


def batches_case() -> None:
    lines = []
    for i in range(1, 3201):
        if i % 97 == 0:
            lines.append(b"")
        elif i % 251 == 0:
            lines.append(f'{{"id":"r{i}","n":"bad"}}'.encode())
        elif i % 389 == 0:
            lines.append(f'{{"id":"r{i}","n":{2**62}}}'.encode())
        elif i % 89 == 0:
            lines.append(f'{{"id":"r{i}","n":{i}}}\r'.encode())
        else:
            lines.append(f'{{"id":"r{i}","n":{i}}}'.encode())
    # The runtime's batch boundaries (1024 records) and `dexpc eval`'s (2048 lines).
    for at in (1024, 1025, 2048, 2049):
        lines[at - 1] = f'{{"n":{at},"id":"edge{at}"}}'.encode()
    write("batches", lines, final_newline=False)


def batch_bytes_case() -> None:
    def big(name: str, cells: int, bad_at=None) -> str:
        parts = []
        for i in range(cells):
            if bad_at is not None and i == bad_at:
                parts.append('{"c3":"x"}')
            elif i % 1000 == 0:
                parts.append(f'{{"c0":{i},"c63":1}}')
            else:
                parts.append("{}")
        return f'{{"id":"{name}","cells":[' + ",".join(parts) + "]}"

    lines = [
        '{"id":"small-1","cells":[]}',
        big("big-1", 9000),
        '{"id":"small-2","cells":[{"c0":5}]}',
        big("big-2", 9000),
        big("big-3", 9000),
        '{"id":"bad-1","cells":[{"c0":"x"}]}',
        big("big-bad", 9000, bad_at=5000),
        big("big-4", 4500),
        big("big-5", 4500),
        big("big-6", 4500),
        '{"id":"small-3","cells":[{}]}',
    ]
    write("batch-bytes", lines)


def long_lists_case() -> None:
    lines = [
        dumps(types_record(ns=[], ss=[], inners=[], nested=[], maybe=[])),
        dumps(types_record(ns=list(range(1024)))),
        dumps(types_record(ns=list(range(1025)))),
        dumps(types_record(ns=[i * 1_000_000_007 for i in range(-2500, 2500)])),
        dumps(types_record(ss=[f"s{i}" for i in range(3000)])),
        dumps(types_record(inners=[{"label": f"l{i}", "n": i if i % 2 else None} for i in range(2000)])),
        dumps(types_record(nested=[[i] * (i % 3) for i in range(1500)])),
        dumps(types_record(ns=[0] * 65536)),
        dumps(types_record(ns=[0] * 65537)),
        dumps(types_record(nested=[[], [0] * 65537])),
        # 524,289 two-byte characters: under the limit in characters, over it in UTF-8 bytes.
        dumps(types_record(s="é" * 524289)),
        dumps(types_record(ss=["a", "b" * 1048577])),
    ]
    write("long-lists", lines)


def sites_case() -> None:
    big, small = 2**63 - 1, -(2**63)

    def rec(op, a=7, b=2, start="2026-01-01", shift=10, xs=(1, 2)) -> str:
        return dumps({"op": op, "a": a, "b": b, "start": start, "shift": shift, "xs": list(xs)})

    lines = [
        rec("none"),
        rec("add", a=big, b=-1),
        rec("add", a=big, b=1),
        rec("add", a=small, b=-1),
        rec("sub", a=small, b=1),
        rec("sub", a=big, b=-1),
        rec("sub", a=0, b=small),
        rec("mul", a=2**62, b=2),
        rec("mul", a=-(2**62), b=2),
        rec("mul", a=small, b=-1),
        rec("mul", a=2**32, b=2**31),
        rec("div", a=5, b=0),
        rec("div", a=0, b=0),
        rec("div", a=small, b=-1),
        rec("div", a=-7, b=2),
        rec("neg", a=small),
        rec("neg", a=big),
        rec("total", xs=[big, 1]),
        rec("total", xs=[big, 1, -1]),
        rec("total", xs=[small, -1]),
        rec("total", xs=[]),
        rec("none", start="9999-12-31", shift=1),
        rec("none", start="0001-01-01", shift=-1),
        rec("none", start="2026-01-01", shift=1000000000),
        rec("none", start="2026-01-01", shift=big),
        rec("none", start="2026-01-01", shift=small),
        rec("none", start="9999-12-31", shift=0),
        # Two failures in one record: the first in evaluation order is reported.
        rec("add", a=big, b=1, start="9999-12-31", shift=1),
        rec("div", a=1, b=0, shift=big),
        # Bad input is still bad input in a keyless policy.
        '{"op":"pow","a":1,"b":1,"start":"2026-01-01","shift":0,"xs":[]}',
        '{"op":"add","a":1,"b":1,"start":"2026-01-01","shift":0}',
    ]
    write("sites", lines)


def reference_bad_records_case() -> None:
    examples = (HERE / "../../policies/examples/bad-tenants.ndjson").read_bytes().rstrip(b"\n").split(b"\n")
    good = json.loads((HERE / "../../policies/examples/tenants.ndjson").read_text().splitlines()[0])

    def tenant(**changes) -> str:
        record = json.loads(json.dumps(good))
        for path, value in changes.items():
            target = record
            keys = path.split("__")
            for key in keys[:-1]:
                target = target[key]
            if value is DROP:
                target.pop(keys[-1], None)
            else:
                target[keys[-1]] = value
        return dumps(record)

    lines = list(examples) + [
        tenant(tenant_id="overflow", users__total=9223372036854775807,
               servers=[{"id": "s", "cloud": "azure", "mde_server_license": True,
                         "servers_plan": "p1", "endpoint_protection": True}]),
        tenant(tenant_id="no-ended-on", subscription__ended_on=DROP),
        tenant(tenant_id="null-ended-on", subscription__ended_on=None),
        tenant(tenant_id="bad-mode", products=[{"product": "endpoint", "licensed": True, "mode": "semi"}]),
        tenant(tenant_id=17),
        tenant(tenant_id=DROP),
    ]
    write("reference-bad-records", lines)


if __name__ == "__main__":
    types_case()
    ints_case()
    strings_case()
    lines_case()
    batches_case()
    batch_bytes_case()
    long_lists_case()
    sites_case()
    reference_bad_records_case()
