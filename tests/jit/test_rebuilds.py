"""When a callee's code changes, which of its callers are compiled again
(``TierPolicy.rebuild_weight``): a light caller is rebuilt to call the new
code; a heavy one keeps the code it has, and the old code of its callee stays
loaded for it while that code is still correct."""

from __future__ import annotations

from pathlib import Path

from ruffdbg.session import Policy, Session

PROGRAMS = Path(__file__).parent.parent / "programs"


def run(name: str, threshold: int) -> tuple[Session, list[str]]:
    output: list[str] = []   # (what the session writes, as it writes it)
    session = Session(Policy(jit=True, threshold=threshold), write=output.append)
    assert session.run_source((PROGRAMS / f"{name}.ruff").read_text(), f"{name}.ruff").ok
    return session, output


def expected(name: str) -> list[str]:
    return (PROGRAMS / f"{name}.out").read_text().splitlines()


def test_a_heavy_osr_loop_is_not_compiled_again_to_call_its_callee_directly():
    """The loop was entered natively while `add` was at T1 (called through its
    call cell); `add` then reached T2. A light loop is rebuilt to call it
    directly (test_tiers.py); this one weighs more than the policy allows, so it
    goes on calling `add` through the cell, natively, and is compiled once."""
    name = "jit_heavy_loop_calls_its_callee_through_the_cell"
    session, out = run(name, threshold=50)
    assert "".join(out).splitlines() == expected(name)
    work = [unit for unit in session.jit.units if unit.code.name == "work"]
    assert len(work) == 1 and work[0].valid and work[0].weight > session.jit.policy.rebuild_weight
    assert not any(e.kind == "invalidated" for e in session.events.since(0) if e.function == "work")
    assert session.function("add").tier == "T2" and session.function("add").calls == 200000
    loop = session.function("work").loops[0]
    assert loop.iterations == 200000 and loop.iterations - loop.native_iterations < 100


def test_a_callee_retired_for_speed_stays_loaded_for_its_heavy_callers_until_it_breaks():
    name = "jit_heavy_units_call_a_t1_callee_directly"
    session, out = run(name, threshold=50)
    assert "".join(out).splitlines() == expected(name)
    jit = session.jit
    add = next(unit for unit in jit.units if unit.code.name == "add")
    callers = [unit for unit in jit.units if add.id in unit.direct_callees]
    assert add.tier == 1 and len(callers) == 2
    assert all(caller.valid and caller.weight > jit.policy.rebuild_weight for caller in callers)

    t2 = jit.compile(add.code, ("dyn", "dyn"), tier=2, forced=True)   # replaces it, for speed
    jit.release_retired()
    assert t2.valid and not add.valid and add.compiled.loaded and all(caller.valid for caller in callers)
    assert "its code stays for" in jit.history.get(add.id).retired
    calls = session.function("add").calls
    out.clear()
    assert session.run_source("print(work(3000))\n", "again.ruff").ok   # (the REPL's way: its globals stay)
    assert "".join(out).splitlines() == expected(name)[:1]
    assert session.function("add").calls == calls + 3000   # (counted in the old code it ran)

    jit.invalidate(add, "retired: an assumption broke")   # its code must not run any more
    jit.release_retired()
    assert not any(caller.valid for caller in callers) and not add.compiled.loaded


def test_a_breakpoint_drops_the_code_kept_for_heavy_callers_too():
    """Holding a function (a breakpoint in it) drops every native code of it that
    may still run -- the unit its heavy callers kept -- and so those callers."""
    name = "jit_heavy_units_call_a_t1_callee_directly"
    session, _ = run(name, threshold=50)
    jit = session.jit
    add = next(unit for unit in jit.units if unit.code.name == "add")
    callers = [unit for unit in jit.units if add.id in unit.direct_callees]
    jit.compile(add.code, ("dyn", "dyn"), tier=2, forced=True)
    assert not add.valid and all(caller.valid for caller in callers)
    jit.hold(add.code, "a breakpoint")
    jit.release_retired()
    assert add.broken and not add.compiled.loaded and not any(caller.valid for caller in callers)
