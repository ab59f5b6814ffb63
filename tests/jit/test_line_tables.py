"""The code that runs is generated without line tables (``engine._NO_TABLES``);
the assembly view, jitdump and the perf map generate code again from the
optimized IR with them. The tables must not change the machine code, or those
views would show other code than what runs for that reason too. (Code
generated from the printed IR and from the module LLVM optimized in memory can
differ a little on their own: README, Performance.)"""

from __future__ import annotations

from pathlib import Path

from ruffdbg.files import read_text_file
from ruffdbg.jit import engine
from ruffdbg.jit.objfile import ElfObject
from ruffdbg.session import Policy, Session

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def _section(elf: ElfObject, name: str) -> bytes | None:
    index = elf.section_named(name)
    if index is None:
        return None
    offset, size = elf.sections[index][4], elf.sections[index][5]
    return elf.data[offset:offset + size]


def test_the_running_code_is_the_code_the_views_generate_with_line_tables() -> None:
    units = []
    for name in ("fib", "sieve", "blacklist"):   # (a twin inlined; OSR units; T1 units with frame writers)
        session = Session(Policy(jit=True, threshold=1, code_cache=False), write=lambda _text: None)
        program = EXAMPLES / f"{name}.ruff"
        session.run_source(read_text_file(program), str(program))
        session.jit.wait_compiles()
        units += [record.unit for record in session.jit.history.records.values()]
    assert {unit.tier for unit in units} == {1, 2} and any(unit.region is not None for unit in units)
    for unit in units:
        ir_after = unit.compiled.ir_after
        assert engine._LINE_TABLES in ir_after and engine._NO_TABLES not in ir_after
        shown = ElfObject(engine.object_code(ir_after, unit.compiled.levels))
        running = ElfObject(engine.object_code(ir_after.replace(engine._LINE_TABLES, engine._NO_TABLES),
                                               unit.compiled.levels))
        assert _section(shown, ".debug_line") and _section(running, ".debug_line") is None
        assert _section(running, ".text") == _section(shown, ".text")
        assert shown.line_rows()   # (what the views read)
