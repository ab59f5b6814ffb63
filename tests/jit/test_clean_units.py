"""Clean T2 units (``jit/clean.py``): a self-recursive function that handles only
scalars, calls only itself and writes no global checks the global it calls once
per activation -- fib's IR has no global-unchanged check after its first
self-call -- while a function that calls anything that could write the global
keeps every check. What the user sees: the guards in ``ruffdbg ir``, and the
same output as the interpreter."""

import re

from ruffdbg.session import Policy, Session

FIB = """
func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
print(fib(18))
"""

FLIPPED = """
func other(n) { return 1000 + n }
func flip(n) { fib := other; return n }
func fib(n) {
    if n < 2 { return n }
    if n == 99 { flip(n) }
    return fib(n - 1) + fib(n - 2)
}
print(fib(18))
"""


def run(text: str, jit: bool = True) -> tuple[Session, str]:
    output: list[str] = []
    session = Session(Policy(jit=jit), write=output.append)
    result = session.run_source(text, "clean.ruff")
    assert result.ok, result.error and result.error.message
    return session, "".join(output)


def global_checks(session: Session, name: str) -> list[int]:
    """The pcs of the global-unchanged guards in the IR of ``name``'s T2 unit (before
    optimization, where each guard has its own exit block)."""
    ir = session.native_text(name, "ir", tier=2, raw=True)
    return sorted({int(pc) for pc in re.findall(r"deopt\d+_global-unchanged_pc(\d+)", ir)})


def test_fib_checks_its_global_once_per_activation():
    session, out = run(FIB)
    assert out == run(FIB, jit=False)[1] == "2584\n"
    assert session.function("fib").tier == "T2"
    # LOAD_GLOBAL fib at pc 6 and pc 11 (before each self-call): only the first is checked
    assert re.findall(r"(\d+)\s+LOAD_GLOBAL\s+\d+\s+\(fib\)", session.disassemble("fib")) == ["6", "11"]
    assert global_checks(session, "fib") == [6]


def test_a_function_calling_something_else_keeps_every_check():
    session, out = run(FLIPPED)
    assert out == run(FLIPPED, jit=False)[1] == "2584\n"
    assert session.function("fib").tier == "T2"
    checks = global_checks(session, "fib")
    assert len(checks) == 3   # flip, and fib before each of its two self-calls

