"""``--jitdump``: perf's jitdump file, parsed back as perf would read it."""

from __future__ import annotations

import ctypes
import os
import struct

from ruffdbg.cli import main
from ruffdbg.jit.jitdump import JitDump
from ruffdbg.session import Policy, Session

PROGRAM = """func tally(n) {
    mut total := 0
    mut i := 0
    while i < n {
        total := total + i * 2
        i := i + 1
    }
    return total
}
for k in 300 { tally(20) }
print(tally(1000))
"""


def read_dump(data: bytes) -> tuple[dict, list[dict]]:
    """The file header and every record, from the format's specification."""
    magic, version, size, machine, _, pid, timestamp, flags = struct.unpack_from("<IIIIIIQQ", data, 0)
    header = dict(magic=magic, version=version, size=size, machine=machine, pid=pid, timestamp=timestamp)
    records, at = [], size
    while at < len(data):
        kind, total, stamp = struct.unpack_from("<IIQ", data, at)
        body = data[at + 16:at + total]
        record = dict(kind=kind, timestamp=stamp)
        if kind == 0:   # JIT_CODE_LOAD
            record.update(zip(("pid", "tid", "vma", "addr", "size", "index"), struct.unpack_from("<IIQQQQ", body)))
            end = body.index(b"\0", 40)
            record["name"], record["code"] = body[40:end].decode(), body[end + 1:]
        elif kind == 2:   # JIT_CODE_DEBUG_INFO
            record["addr"], count = struct.unpack_from("<QQ", body)
            entries, offset = [], 16
            for _ in range(count):
                address, line, _ = struct.unpack_from("<QII", body, offset)
                end = body.index(b"\0", offset + 16)
                entries.append((address, line, body[offset + 16:end].decode()))
                offset = end + 1
            record["entries"] = entries
            assert offset == len(body)
        records.append(record)
        at += total
    assert at == len(data)
    return header, records


def test_the_dump_holds_each_unit_with_its_code_and_lines(tmp_path):
    source = tmp_path / "tally.ruff"
    source.write_text(PROGRAM)
    session = Session(Policy(threshold=100), write=lambda _: None)
    assert session.run_file(source).ok
    dump = JitDump(session.jit, tmp_path / "jit-1.dump")
    dump.sync()
    dump.sync()   # (nothing new: nothing written twice)
    header, records = read_dump((tmp_path / "jit-1.dump").read_bytes())
    assert header["magic"] == 0x4A695444 and header["version"] == 1 and header["size"] == 40
    assert header["pid"] == os.getpid() and header["machine"] in (62, 183)
    loads = [r for r in records if r["kind"] == 0]
    names = [r["name"] for r in loads]
    assert any(name.startswith("ruff:tally:T2#") for name in names), names
    assert any(":osr@" in name for name in names), names   # the top-level loop ran in an OSR unit
    assert len(names) == 2 * len(session.jit.units)          # each unit's function and its entry
    assert len({r["index"] for r in loads}) == len(loads)
    for load in loads:
        assert load["vma"] == load["addr"] and 0 < load["size"] == len(load["code"]) < 1 << 16
        assert load["code"] == ctypes.string_at(load["addr"], load["size"])   # the bytes that run
    stamps = [r["timestamp"] for r in records]
    assert stamps == sorted(stamps) and stamps[0] >= header["timestamp"]
    lines = {n + 1 for n, text in enumerate(PROGRAM.splitlines()) if text.strip() not in ("}", "")}
    for index, record in enumerate(records):
        if record["kind"] != 2:
            continue
        load = records[index + 1]   # a function's debug info comes just before its code
        assert load["kind"] == 0 and load["addr"] == record["addr"]
        assert record["entries"]
        for address, line, name in record["entries"]:
            assert load["addr"] <= address < load["addr"] + load["size"]
            assert line in lines and name == str(source.resolve())
    tally_lines = {line for r in records if r["kind"] == 2 for _, line, _ in r["entries"]}
    assert {4, 5} <= tally_lines, tally_lines   # the loop's test and body are in the table


def test_the_flag_writes_the_process_dump_and_no_jit_says_why_there_is_none(tmp_path, capsys):
    source = tmp_path / "tally.ruff"
    source.write_text(PROGRAM)
    assert main(["run", str(source), "--threshold", "100", "--jitdump"]) == 0
    _, records = read_dump(open(f"/tmp/jit-{os.getpid()}.dump", "rb").read())
    assert any(r["kind"] == 0 and r["name"].startswith("ruff:tally:T2#") for r in records)
    assert main(["run", str(source), "--no-jit", "--jitdump", "--perf-map"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "999000\n999000\n"   # (the same output, with the JIT and without)
    assert captured.err.strip() == "ruffdbg: --perf-map and --jitdump: nothing to write with --no-jit " \
                                   "(no native code runs)"
