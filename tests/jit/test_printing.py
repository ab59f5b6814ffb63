"""Lowering prints a unit's module with its own printer (``lowering/printing.py``):
the text must be llvmlite's ``str(module)`` exactly -- the code cache's key and
what the IR views show."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.files import read_text_file
from ruffdbg.jit.lowering import driver, printing
from ruffdbg.session import Policy, Session

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
PROGRAMS = Path(__file__).parent.parent / "programs"


@pytest.mark.parametrize("program", [*(EXAMPLES / f"{name}.ruff" for name in
                                       ("fib", "nbody", "sieve", "structs", "closures", "words", "blacklist")),
                                     PROGRAMS / "jit_native_strings.ruff", PROGRAMS / "jit_call_function_values.ruff"],
                         ids=lambda program: program.stem)
def test_the_printer_writes_llvmlites_text_for_every_unit(program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []

    def both(module) -> str:
        text = printing.module_text(module)
        assert text == str(module)
        printed.append(text)
        return text

    monkeypatch.setattr(driver, "module_text", both)
    session = Session(Policy(jit=True, threshold=1, code_cache=False), write=lambda _text: None)
    session.run_source(read_text_file(program), str(program))
    session.jit.wait_compiles()
    assert printed   # (every example compiles something at --threshold 1)
    # T1 and T2 units alike: calls, GEPs and allocas go through llvmlite's own printing
    assert any("call " in text for text in printed) and any("alloca" in text for text in printed)
