"""``/tmp/perf-PID.map``: so Linux ``perf report`` names Ruff's native code.

perf reads a text file of ``START SIZE name`` lines (hex start and size) for
code it finds no symbols for. Each unit adds two: its function and its entry
function, named ``ruff:FUNCTION:TIER#UNIT`` (``:entry`` for the second); OSR
units say ``osr@LINE``. Lines are appended as units are compiled (a unit's
memory may be reused after it is released, and perf takes the newest entry).

Addresses are the JIT's own; sizes come from the symbol table of an object
file generated again from the unit's optimized IR with the JIT's target machine
settings (the same code, so the same sizes), made only when a map is asked for.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

from ruffdbg.jit import engine
from ruffdbg.jit.units import Unit

_STT_FUNC = 2
_started: set[Path] = set()


def default_path() -> Path:
    return Path(f"/tmp/perf-{os.getpid()}.map")


def unit_label(unit: Unit) -> str:
    osr = f":osr@{unit.code.lines[unit.region.header]}" if unit.region is not None else ""
    return f"ruff:{unit.code.name}:T{unit.tier}#{unit.id}{osr}"


def elf_function_sizes(data: bytes) -> dict[str, int]:
    """Function symbol -> size in bytes, from a 64-bit little-endian ELF object."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return {}
    section_offset, = struct.unpack_from("<Q", data, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size) for i in range(count)]
    sizes = {}
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != 2 or not symbol_size:   # SHT_SYMTAB
            continue
        strings = sections[link]
        for at in range(offset, offset + size, symbol_size):
            name_at, info, _, _, _, symbol_bytes = struct.unpack_from("<IBBHQQ", data, at)
            if info & 0xF == _STT_FUNC:
                start = strings[4] + name_at
                sizes[data[start:data.index(b"\0", start)].decode()] = symbol_bytes
    return sizes


class PerfMap:
    """Appends each new unit of ``jit`` to the map file (``sync``: call it often;
    it does nothing when no unit is new)."""

    def __init__(self, jit: Any, path: Path | None = None) -> None:
        self.jit = jit
        self.path = path or default_path()
        self.written = 0
        if self.path not in _started:   # (a process's first map starts empty; later sessions append)
            _started.add(self.path)
            self.path.write_text("")

    def sync(self) -> None:
        units = self.jit.units
        if self.written >= len(units):
            return
        lines = []
        for unit in units[self.written:]:
            lines += self.lines(unit)
        self.written = len(units)
        with self.path.open("a") as out:
            out.write("".join(lines))

    @staticmethod
    def lines(unit: Unit) -> list[str]:
        addresses = unit.compiled.addresses
        if not addresses:   # (already released: no code to name)
            return []
        sizes = elf_function_sizes(engine.object_code(unit.compiled.ir_after))
        label = unit_label(unit)
        lines = []
        for symbol, address in sorted(addresses.items(), key=lambda item: item[1]):
            name = label + (":entry" if symbol.endswith("_entry") else "")
            lines.append(f"{address:x} {sizes.get(symbol, 0):x} {name}\n")
        return lines
