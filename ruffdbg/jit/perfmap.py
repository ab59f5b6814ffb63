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
from pathlib import Path
from typing import Any

from ruffdbg.jit import engine
from ruffdbg.jit.objfile import ElfObject
from ruffdbg.jit.units import Unit

_started: set[Path] = set()


def default_path() -> Path:
    return Path(f"/tmp/perf-{os.getpid()}.map")


def unit_label(unit: Unit) -> str:
    osr = f":osr@{unit.code.lines[unit.region.entry_pc]}" if unit.region is not None else ""
    return f"ruff:{unit.code.name}:T{unit.tier}#{unit.id}{osr}"


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
        functions = ElfObject(engine.object_code(unit.compiled.ir_after, unit.compiled.levels)).functions()
        label = unit_label(unit)
        lines = []
        for symbol, address in sorted(addresses.items(), key=lambda item: item[1]):
            name = label + (":entry" if symbol.endswith("_entry") else "")
            lines.append(f"{address:x} {functions[symbol].size if symbol in functions else 0:x} {name}\n")
        return lines
