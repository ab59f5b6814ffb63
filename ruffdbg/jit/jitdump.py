"""``jit-PID.dump``: Linux perf's jitdump format, so ``perf inject --jit`` can
turn samples in native code into Ruff functions, tiers and source lines.

Written from the format's specification (the Linux kernel's
``tools/perf/Documentation/jitdump-specification.txt``): a 40-byte file header,
then records, each a 16-byte header (id, total size, timestamp) and its
payload. Per unit and per function of it (the unit's body and its entry),
in this order, as the specification asks:

* ``JIT_CODE_DEBUG_INFO`` (id 2): the code address and, for each row of the
  unit's line table that starts a new Ruff line (``objfile``), its address,
  line and the source file's name;
* ``JIT_CODE_LOAD`` (id 0): pid, tid, address (twice: vma and code_addr), code
  size, a running code index, the name (``perfmap.unit_label``: the one a perf
  map gives) and the code bytes, read from the JIT's memory.

Timestamps are ``CLOCK_MONOTONIC`` nanoseconds: record with ``perf record -k
mono`` so ``perf inject`` can order samples and loads. perf finds the file
through a ``PROT_EXEC`` mapping of it in the process (its mmap event names
the file): the writer maps the file's first page once, when it creates it.
"""

from __future__ import annotations

import ctypes
import itertools
import mmap
import os
import platform
import struct
import threading
import time
from pathlib import Path
from typing import Any

from ruffdbg.jit import engine
from ruffdbg.jit.objfile import ElfObject, LineRow
from ruffdbg.jit.perfmap import unit_label
from ruffdbg.jit.units import Unit

MAGIC = 0x4A695444          # "JiTD"
VERSION = 1
FILE_HEADER = struct.Struct("<IIIIIIQQ")      # magic, version, size, elf_mach, pad, pid, timestamp, flags
RECORD_HEADER = struct.Struct("<IIQ")         # id, total size, timestamp
CODE_LOAD = struct.Struct("<IIQQQQ")          # pid, tid, vma, code_addr, code_size, code_index
DEBUG_INFO = struct.Struct("<QQ")             # code_addr, number of entries
DEBUG_ENTRY = struct.Struct("<QII")           # code_addr, line, discriminator (+ file name)
JIT_CODE_LOAD, JIT_CODE_DEBUG_INFO = 0, 2
_MACHINES = {"x86_64": 62, "amd64": 62, "aarch64": 183, "arm64": 183}
_started: dict[Path, "mmap.mmap | str"] = {}   # file -> its executable mapping (kept), or why there is none
_code_index = itertools.count(1)               # unique per process, as the format asks
_lock = threading.Lock()                       # (compiles log events on the VM thread; sessions sync at the end)


def default_path() -> Path:
    return Path(f"/tmp/jit-{os.getpid()}.dump")


def _now() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def _record(kind: int, payload: bytes) -> bytes:
    return RECORD_HEADER.pack(kind, RECORD_HEADER.size + len(payload), _now()) + payload


def debug_entries(rows: list[LineRow], section: int, start: int, size: int) -> list[tuple[int, int]]:
    """(offset in the function, Ruff line) where the function's code moves to a new
    line; rows the compiler made up (line 0) belong to the line before them."""
    out: list[tuple[int, int]] = []
    for row in rows:
        if row.section == section and start <= row.offset < start + size and row.line:
            if not out or out[-1][1] != row.line:
                out.append((row.offset - start, row.line))
    return out


class JitDump:
    """Appends each new unit of ``jit`` to the dump (``sync``: call it often; it
    does nothing when no unit is new)."""

    def __init__(self, jit: Any, path: Path | None = None) -> None:
        self.jit = jit
        self.path = path or default_path()
        self.written = 0
        if self.path not in _started:   # (a process's first session starts the file; later ones append)
            header = FILE_HEADER.pack(MAGIC, VERSION, FILE_HEADER.size,
                                      _MACHINES.get(platform.machine().lower(), 0), 0, os.getpid(), _now(), 0)
            self.path.write_bytes(header)
            _started[self.path] = _map(self.path)
        mapping = _started[self.path]
        # why perf may not find the file (it is written all the same)
        self.warning = mapping if isinstance(mapping, str) else None

    def sync(self) -> None:
        with _lock:   # (compiles log events on the VM thread; the session syncs at the end too)
            units = self.jit.units
            if self.written >= len(units):
                return
            records = b"".join(self.records(unit) for unit in units[self.written:])
            self.written = len(units)
            with self.path.open("ab") as out:
                out.write(records)

    def records(self, unit: Unit) -> bytes:
        addresses = unit.compiled.addresses
        if not addresses:   # (already released: no code to describe)
            return b""
        elf = ElfObject(engine.object_code(unit.compiled.ir_after, unit.compiled.levels))
        functions, rows = elf.functions(), elf.line_rows()
        source = _source_name(unit.code.source or f"{unit.code.name}.ruff")
        label = unit_label(unit)
        out = []
        for symbol, address in sorted(addresses.items(), key=lambda item: item[1]):
            function = functions.get(symbol)
            if function is None or not function.size:
                continue   # (a global variable, not code)
            entries = debug_entries(rows, function.section, function.offset, function.size)
            if entries:
                out.append(self._debug_info(address, entries, source))
            name = label + (":entry" if symbol.endswith("_entry") else "")
            out.append(self._code_load(address, function.size, name))
        return b"".join(out)

    @staticmethod
    def _debug_info(address: int, entries: list[tuple[int, int]], source: str) -> bytes:
        name = source.encode(errors="replace") + b"\0"
        body = b"".join(DEBUG_ENTRY.pack(address + offset, line, 0) + name for offset, line in entries)
        return _record(JIT_CODE_DEBUG_INFO, DEBUG_INFO.pack(address, len(entries)) + body)

    def _code_load(self, address: int, size: int, name: str) -> bytes:
        code = ctypes.string_at(address, size)
        fields = CODE_LOAD.pack(os.getpid(), threading.get_native_id(), address, address, size, next(_code_index))
        return _record(JIT_CODE_LOAD, fields + name.encode() + b"\0" + code)


def _map(path: Path) -> "mmap.mmap | str":
    """Map the header executable, once: the mmap event is how perf finds the file."""
    try:
        with path.open("rb") as file:
            return mmap.mmap(file.fileno(), FILE_HEADER.size, flags=mmap.MAP_PRIVATE,
                             prot=mmap.PROT_READ | mmap.PROT_EXEC)
    except (OSError, ValueError) as error:   # (e.g. /tmp mounted noexec)
        return f"cannot map {path} executable ({error}): perf inject will not find it"


def _source_name(source: str) -> str:
    """A file's absolute path (perf shows its lines); a REPL input's name as it is."""
    path = Path(source)
    return str(path.resolve()) if path.is_file() else source
