"""Units nothing can call any more are retired (jit/reclaim.py): a function
redefined at the REPL or replaced in a global loses its units -- retired with
the reason, their machine code released, their compiles still in the views --
unless something still holds the old function. Compiles never installed
(display-only, failed) give their machine code back too."""

from __future__ import annotations

import io

from ruffdbg.session import Policy, Session
from ruffdbg.soak import soak
from tests.jit.test_background import FIB, compiler_held

# A REPL input defining f and making it hot (its loop calls it: OSR, then T2).
INPUT = """func f(x) {{
  mut t = 0
  for i in range(20) {{ t = t + x * {k} }}
  return t
}}
mut s{k} := 0
for j in range(300) {{ s{k} := s{k} + f(j) }}
print(s{k})
"""


def session(jit: bool = True) -> tuple[Session, io.StringIO]:
    out = io.StringIO()
    s = Session(Policy(threshold=20, jit=jit), write=out.write)
    s.redefinition = True   # (as the REPL does: a declaration replaces the earlier input's)
    return s, out


def code_named(s: Session, script: int, name: str):
    return next(code for code in s.scripts[script].walk() if code.name == name)


def run_inputs(s: Session, *inputs: str) -> None:
    for text in inputs:
        assert s.run_source(text).ok


def test_a_redefined_function_loses_its_units_with_the_reason_and_its_compiles_stay_in_the_views():
    s, out = session()
    run_inputs(s, INPUT.format(k=1), INPUT.format(k=2), INPUT.format(k=3))
    old = code_named(s, 0, "f")
    records = s.jit.history.of(id(old))
    assert records and all(not record.unit.valid for record in records)
    assert {record.retired for record in records} == {"f redefined"}
    assert all(not record.unit.compiled.loaded for record in records)   # machine code released
    # The views show them as they show any retired compile: state, reason, texts.
    shown = s.compile_record(records[-1].id)
    assert shown.state_text == "retired: f redefined" and shown.texts_kept
    listing = s.native_text("f", "ir", compile_id=records[-1].id)
    assert f"compile #{records[-1].id}" in listing and "define" in listing
    assert "ret" in s.native_text("f", "asm", compile_id=records[-1].id)
    events = [e for e in s.events.since(0) if e.kind == "invalidated" and e.detail.get("reason") == "f redefined"]
    assert {record.id for record in records} <= {e.detail["unit"] for e in events}
    second = code_named(s, 1, "f")   # (input 3 redefined input 2's f too)
    assert {record.retired for record in s.jit.history.of(id(second))} == {"f redefined"}
    assert s.jit.state_of(old).reason == "f redefined"
    # The current f keeps its code, and every tier prints the same.
    assert s.jit.state_of(s.find_code("f")).unit.valid
    plain, plain_out = session(jit=False)
    run_inputs(plain, INPUT.format(k=1), INPUT.format(k=2), INPUT.format(k=3))
    assert out.getvalue() == plain_out.getvalue()


def test_a_replaced_function_something_still_holds_keeps_its_units():
    s, out = session()
    run_inputs(s, INPUT.format(k=1) + "mut keep := [f]\n", INPUT.format(k=2), INPUT.format(k=3),
               "print(keep[0](5))")
    old = code_named(s, 0, "f")
    state = s.jit.state_of(old)
    assert state.unit is not None and state.unit.valid and state.unit.compiled.loaded
    assert all(record.retired != "f redefined" for record in s.jit.history.of(id(old)))
    assert out.getvalue().splitlines()[-1] == "100"   # (5 * 1, 20 times: it still runs)


def test_a_closure_made_again_by_its_factory_is_not_orphaned():
    s, out = session()
    factory = """func make(k) {{ return func(x) {{
  mut t = 0
  for i in range(20) {{ t = t + x }}
  return t
}} }}
"""
    use = "work = make({k})\nmut s{k} := 0\nfor j in range(300) {{ s{k} := s{k} + work(j) }}\nprint(s{k})\n"
    run_inputs(s, factory + "mut work := make(0)\n", use.format(k=1), use.format(k=2), use.format(k=3))
    closure = code_named(s, 0, "<anonymous>")
    assert not s.jit.orphans and closure.name == "<anonymous>"
    assert any(unit.valid for unit in s.jit.state_of(closure).units)


def test_a_global_given_something_else_lets_go_of_its_function():
    s, out = session()
    run_inputs(s, INPUT.format(k=1), "f = 7\nprint(f)", INPUT.format(k=2).replace("func f", "func g").replace("f(j)", "g(j)"))
    old = code_named(s, 0, "f")
    assert {record.retired for record in s.jit.history.of(id(old))} == {"f redefined"}
    assert not any(unit.compiled.loaded for unit in s.jit.state_of(old).units)


def test_display_only_compiles_give_their_machine_code_back_and_still_show():
    s, out = session()
    run_inputs(s, "func h(x) { return x * 3 }\nprint(h(2))")
    unit = s.jit.unit_for_display(s.find_code("h"), tier=2)
    assert not unit.valid
    s.jit.release_retired()
    assert not unit.compiled.loaded
    assert "ret" in s.native_text("h", "asm")


def test_a_background_compile_never_installed_gives_its_machine_code_back():
    out = io.StringIO()
    s = Session(Policy(jit=True, threshold=5, background_compile=True), write=out.write)
    with compiler_held(s):
        assert s.run_source(FIB).ok
        s.force_deopt("fib")   # (while its T2 compile is in flight: abandoned)
    s.jit.wait_compiles()
    for n in (10, 11):
        assert s.run_source(f"print(fib({n}))").ok   # it tiers up again: compiles, which sweep
        s.jit.wait_compiles()
    abandoned = [c for c in s.compiles("fib") if c.state_text == "retired: not installed: deoptimized on request"]
    assert abandoned and all(not s.jit.units[c.id].compiled.loaded for c in abandoned)
    assert out.getvalue() == "144\n55\n89\n"


def test_a_repl_run_redefining_a_function_every_round_keeps_only_the_last_rounds_code():
    report = soak(seconds=600, max_rounds=60, threshold=5, redefine=True)
    assert report.units >= 150, report.text()
    # Each round compiles work, its loop and the round's loop; the sweep before a
    # compile retires the earlier rounds' units: only about a round's stay loaded.
    assert report.loaded <= 8 and report.retired >= report.units - 8, report.text()
    # Before: about 200 KB of RSS per compiled unit, kept (ruffdbg soak --redefine);
    # now its texts, kept by the bounded compile history, are most of it.
    first, last = report.samples[0], report.samples[-1]
    assert (last[1] - first[1]) * 1024 / report.units < 120, report.text()


CALLEE = """func h(x) {
  mut t = 0
  for i in range(10) { if i % 3 == 0 { t = t + x } }
  return t
}
"""
CALLER = """func g(n) {{
  mut s = 0
  for j in range(n) {{ s = s + h(j) + {k} }}
  return s
}}
print(g(200))
"""


def figures(s: Session) -> list:
    """What the views show of every function, less the times."""
    shown = []
    for stats in s.functions():
        shown.append((stats.name, stats.calls, stats.exec_counts, stats.line_hits,
                      [(loop.line, loop.iterations, loop.native_iterations) for loop in stats.loops], stats.deopts,
                      [(g.kind, g.line, g.passed, g.failed) for g in stats.guards],
                      [(c.tier, c.param_types, c.valid) for c in stats.compiles]))
    return shown


def test_units_the_history_let_go_are_compacted_and_every_figure_stays_the_same(monkeypatch):
    from ruffdbg.jit import libraries

    monkeypatch.setattr(libraries, "GENERATION", 1)   # (an LLJIT per unit: each goes with its unit)
    inputs = [CALLEE + CALLER.format(k=0), *(CALLER.format(k=k) for k in range(1, 5)), INPUT.format(k=1),
              INPUT.format(k=2), "print(h(3) + g(50))"]
    disposed = libraries.disposed
    whole, whole_out = session()
    run_inputs(whole, *inputs)
    # Each input retired the earlier one's units: LLJITs whose libraries were all
    # unloaded were disposed, and the code loaded since runs (the outputs below).
    assert libraries.disposed > disposed
    assert all(unit.compiled.library.generation.lljit is not None for unit in whole.jit.units if unit.compiled.loaded)
    small, small_out = session()
    small.jit.history.total = 1   # (every compile but the newest is let go)
    run_inputs(small, *inputs)
    let_go = [unit for unit in small.jit.units if unit.final is not None and not unit.compiled.has_texts]
    assert len(let_go) >= 5 and all(unit.counters is None for unit in let_go)
    # (unloaded units are compacted too, their compiles still shown in full)
    shown = [unit for unit in whole.jit.units if unit.final is not None]
    assert shown and all(unit.compiled.has_texts and unit.guards for unit in shown)
    # h's units stayed valid while units calling them directly were compacted
    h = small.find_code("h")
    assert any(unit.valid for unit in small.jit.state_of(h).units)
    assert any(unit.final.calls_made for unit in let_go)
    assert figures(small) == figures(whole)
    assert small_out.getvalue() == whole_out.getvalue()


def test_old_inputs_whose_functions_were_redefined_are_forgotten_and_their_code_freed(monkeypatch):
    import gc
    import weakref

    from ruffdbg import session as session_module

    monkeypatch.setattr(session_module, "SCRIPTS_KEPT", 3)
    # g is redefined by every input and calls h natively: the calls g's buried units
    # made stay in h's figures.
    inputs = [CALLEE + CALLER.format(k=0), *(CALLER.format(k=k) for k in range(1, 12)),
              *(INPUT.format(k=k) for k in range(1, 6)), "print(h(3) + f(1))"]
    s, out = session()
    s.jit.history.total = 4   # (compiles let go soon: what keeps an input until then)
    run_inputs(s, inputs[0], inputs[1])
    first_g = weakref.ref(s.find_code("g"))
    run_inputs(s, *inputs[2:])
    gc.collect()
    # The inputs that defined the earlier g's and f's went, their code objects freed
    # and their states with them; h's input stays (h can still be called), and so
    # do the latest three.
    assert first_g() is None
    assert len(s.scripts) <= 8, [script.source for script in s.scripts]
    assert any(code.name == "h" for code in s.code_objects())
    assert len(s.jit.states) <= 2 * len(s.scripts) + 2
    whole, whole_out = session()
    run_inputs(whole, *inputs)
    assert len(whole.scripts) == len(inputs)
    assert out.getvalue() == whole_out.getvalue()
    h_figures = [each for each in figures(s) if each[0] == "h"]
    assert h_figures and h_figures == [each for each in figures(whole) if each[0] == "h"]


def test_a_forgotten_script_run_again_by_a_host_runs_and_shows_again(monkeypatch):
    from ruffdbg import session as session_module

    monkeypatch.setattr(session_module, "SCRIPTS_KEPT", 1)
    s, out = session()
    s.jit.history.total = 1
    again = s.compile(INPUT.format(k=1))
    assert s.run_code(again).ok
    run_inputs(s, *(INPUT.format(k=k) for k in range(2, 6)))
    assert not any(script is again for script in s.scripts)
    assert s.run_code(again).ok
    assert any(script is again for script in s.scripts)
    assert out.getvalue().splitlines()[-1] == out.getvalue().splitlines()[0]
