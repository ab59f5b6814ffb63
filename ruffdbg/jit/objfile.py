"""What an ELF object of a unit says about its code: function symbols and the line table.

The JIT links its code in memory and keeps no object file, so tools that want
sizes or source lines (``perfmap``, ``jitdump``) get an object generated again
from the unit's optimized IR with the JIT's target machine settings: the same
instructions at the same offsets (only relocated operands differ, which is why
code bytes are read from the JIT's memory, never from here).

Two readers, for 64-bit little-endian objects only (what LLVM emits for the
hosts the JIT runs on): the symbol table, and DWARF ``.debug_line`` (versions
2-5, 32-bit DWARF), whose rows lowering made (Ruff line, pc + 1) pairs
(``lowering/debuginfo.py``). A malformed or unexpected object yields nothing
rather than an error: these tables only name and annotate code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SHT_SYMTAB, _SHT_RELA = 2, 4
_STT_FUNC = 2


@dataclass(frozen=True)
class Symbol:
    name: str
    section: int   # index of the section it is in
    offset: int    # within that section
    size: int


@dataclass(frozen=True)
class LineRow:
    """One row of the line table: code from ``offset`` on (in ``section``) comes from
    Ruff ``line``, bytecode ``pc`` (None where the compiler made it up)."""

    section: int
    offset: int
    line: int
    pc: int | None


class ElfObject:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.valid = data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
        self.sections: list[tuple] = []
        if self.valid:
            start, = struct.unpack_from("<Q", data, 0x28)
            entry_size, count, self._names_index = struct.unpack_from("<HHH", data, 0x3A)
            self.sections = [struct.unpack_from("<IIQQQQIIQQ", data, start + i * entry_size) for i in range(count)]

    @property
    def machine(self) -> int:
        """The ELF ``e_machine`` (62: x86-64, 183: AArch64)."""
        return struct.unpack_from("<H", self.data, 0x12)[0] if self.valid else 0

    def _string(self, table: int, at: int) -> str:
        start = self.sections[table][4] + at
        return self.data[start:self.data.index(b"\0", start)].decode(errors="replace")

    def section_named(self, name: str) -> int | None:
        for index, section in enumerate(self.sections):
            if self._string(self._names_index, section[0]) == name:
                return index
        return None

    def _symbols(self) -> list[tuple[str, int, int, int, int]]:
        """(name, type, section index, value, size) of every symbol."""
        out = []
        for _, kind, _, _, offset, size, link, _, _, entry_size in self.sections:
            if kind != _SHT_SYMTAB or not entry_size:
                continue
            for at in range(offset, offset + size, entry_size):
                name_at, info, _, section, value, symbol_size = struct.unpack_from("<IBBHQQ", self.data, at)
                out.append((self._string(link, name_at), info & 0xF, section, value, symbol_size))
        return out

    def functions(self) -> dict[str, Symbol]:
        return {name: Symbol(name, section, value, size)
                for name, kind, section, value, size in self._symbols() if kind == _STT_FUNC}

    def undefined(self) -> set[str] | None:
        """The symbols the object needs from outside (what linking must bind);
        None when it cannot be read as an object at all."""
        try:
            return {name for name, _, section, _, _ in self._symbols() if section == 0 and name} \
                if self.valid else None
        except (struct.error, IndexError, ValueError):
            return None

    def relocations(self, target: int) -> dict[int, tuple[int, int]]:
        """Where the relocations of section ``target`` point: offset in it ->
        (section, offset) of the symbol plus addend."""
        symbols = self._symbols()
        out = {}
        for _, kind, _, _, offset, size, _, info, _, entry_size in self.sections:
            if kind != _SHT_RELA or info != target or not entry_size:
                continue
            for at in range(offset, offset + size, entry_size):
                where, packed, addend = struct.unpack_from("<QQq", self.data, at)
                index = packed >> 32
                if index < len(symbols):
                    _, _, section, value, _ = symbols[index]
                    out[where] = (section, value + addend)
        return out

    def line_rows(self) -> list[LineRow]:
        """The rows of every line program in ``.debug_line``, sorted by place."""
        index = self.section_named(".debug_line")
        if index is None:
            return []
        section = self.sections[index]
        relocated = self.relocations(index)
        rows: list[LineRow] = []
        try:
            _read_line_programs(self.data[section[4]:section[4] + section[5]], relocated, rows)
        except (struct.error, IndexError, ValueError):
            pass   # (a truncated or unexpected table: the rows read so far)
        return sorted(rows, key=lambda row: (row.section, row.offset))


def _leb(data: bytes, at: int, signed: bool = False) -> tuple[int, int]:
    """A LEB128 number at ``at`` (DWARF's variable-length encoding) and the offset after it."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return (value - (1 << shift) if signed and byte & 0x40 else value), at


def _read_line_programs(data: bytes, relocated: dict[int, tuple[int, int]], rows: list[LineRow]) -> None:
    at = 0
    while at + 4 <= len(data):
        length, = struct.unpack_from("<I", data, at)
        if length >= 0xFFFFFFF0:
            return   # 64-bit DWARF: not what LLVM emits here
        end = at + 4 + length
        version, = struct.unpack_from("<H", data, at + 4)
        at += 6 + (2 if version >= 5 else 0)   # (v5: address and segment selector sizes)
        header_length, = struct.unpack_from("<I", data, at)
        program = at + 4 + header_length
        at += 4
        min_length = data[at]
        at += 2 if version >= 4 else 1   # (v4+: maximum operations per instruction)
        at += 1                          # default_is_stmt
        line_base = struct.unpack_from("<b", data, at)[0]
        line_range, opcode_base = data[at + 1], data[at + 2]
        lengths = data[at + 3:at + 3 + opcode_base - 1]
        _run_line_program(data, program, end, (min_length, line_base, line_range, opcode_base, lengths),
                          relocated, rows)
        at = end


def _run_line_program(data: bytes, at: int, end: int, header: tuple, relocated: dict, rows: list[LineRow]) -> None:
    """The DWARF line-number state machine (only address, line and column matter here)."""
    min_length, line_base, line_range, opcode_base, lengths = header
    section, address, line, column = 0, 0, 1, 0

    def emit() -> None:
        rows.append(LineRow(section, address, line, column - 1 if column > 0 else None))

    while at < end:
        opcode = data[at]
        at += 1
        if opcode >= opcode_base:   # special opcode: advance address and line, then a row
            adjusted = opcode - opcode_base
            address += adjusted // line_range * min_length
            line += line_base + adjusted % line_range
            emit()
        elif opcode == 0:           # extended
            size, at = _leb(data, at)
            sub, operand = data[at], at + 1
            if sub == 1:            # end_sequence
                section, address, line, column = 0, 0, 1, 0
            elif sub == 2:          # set_address (relocated in an object file)
                section, address = relocated.get(operand, (section, struct.unpack_from("<Q", data, operand)[0]))
            at += size
        elif opcode == 1:           # copy
            emit()
        elif opcode == 2:           # advance_pc
            step, at = _leb(data, at)
            address += step * min_length
        elif opcode == 3:           # advance_line
            step, at = _leb(data, at, signed=True)
            line += step
        elif opcode == 5:           # set_column
            column, at = _leb(data, at)
        elif opcode == 8:           # const_add_pc
            address += (255 - opcode_base) // line_range * min_length
        elif opcode == 9:           # fixed_advance_pc
            address += struct.unpack_from("<H", data, at)[0]
            at += 2
        else:                       # the rest: skip their operands
            for _ in range(lengths[opcode - 1]):
                _, at = _leb(data, at)
