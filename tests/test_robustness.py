"""No input gives "internal error" (issue 10, item 7): programs too big to check in,
generated here, run in every tier with the same result as the interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.jit import runtime
from ruffdbg.session import Policy, Session

TIERS = [dict(jit=False), dict(jit=True), dict(jit=True, threshold=1)]


def run(text: str, **policy) -> tuple[bool, list[str], str | None]:
    output: list[str] = []
    session = Session(Policy(**policy), write=output.append)
    result = session.run_source(text, "robust.ruff")
    message = result.error.message if result.error else None
    return result.ok, "".join(output).splitlines(), message


def same_in_every_tier(text: str) -> tuple[bool, list[str], str | None]:
    outcomes = [run(text, **policy) for policy in TIERS]
    assert outcomes[1:] == outcomes[:1] * (len(TIERS) - 1)
    return outcomes[0]


def test_a_chain_of_20000_additions_compiles_and_runs():
    text = "mut x := 1\nprint(" + " + ".join(["x"] * 20_000) + ")\n"
    assert run(text, jit=False) == (True, ["20000"], None)


def test_long_chains_of_every_left_leaning_kind():
    n = 3000
    text = "\n".join([
        "mut a := [7]",
        f"for i in range({n}) {{ a = [a] }}",
        "print(a" + "[0]" * (n + 1) + ")",
        "struct P { v }",
        "mut p := P { v: 1 }",
        "print(p" + ".v" * 1 + ")",
        "func k() { return k }",
        "print(type(k" + "()" * n + "))",
        'print(null' + ' ?? null' * n + ' ?? "last")',
        "func inc(v) { return v + 1 }",
        "print(0" + " |> inc" * n + ")",
        "print(" + " - ".join(["1"] * n) + ")",
    ]) + "\n"
    ok, out, _ = run(text, jit=False)
    assert ok and out == ["7", "1", "function", "last", str(n), str(1 - (n - 1))]


def test_more_called_globals_than_one_chunk_of_the_globals_table(monkeypatch):
    # The table grows by chunks; a chunk of 4 words makes 40 globals cross nine of them.
    monkeypatch.setattr(runtime, "GLOBALS_CHUNK", 4)
    n = 40
    lines = ["func f(x) { return x + 1 }"] + [f"mut g{i} := f" for i in range(n)]
    lines += ["func main() {", "  mut s := 0"] + [f"  s = s + g{i}({i})" for i in range(n)]
    lines += ["  return s", "}", "for i in range(5) { print(main()) }", "g7 = func(x) { return 0 }", "print(main())"]
    total = sum(range(n)) + n
    text = "\n".join(lines) + "\n"
    ok, out, _ = same_in_every_tier(text)
    assert ok and out == [str(total)] * 5 + [str(total - 8)]
    session = Session(Policy(jit=True, threshold=2), write=lambda _: None)
    assert session.run_source(text, "robust.ruff").ok
    assert session.function("main").tier == "T2"
    assert len(session.jit.global_slots) >= n and len(session.jit.ctx.global_chunks) >= n // 4


CHAIN_500 = "func f(x) {\n  return " + " + ".join(["x"] * 500) + "\n}\nprint(f(1))\nprint(f(0.5))\n"


def test_a_function_past_the_size_limit_stays_interpreted_and_says_why():
    session = Session(Policy(jit=True, threshold=1), write=lambda _: None)
    assert session.run_source(CHAIN_500, "robust.ruff").ok
    stats = session.function("f")
    assert (stats.tier, stats.reason) == ("T0", "too large to compile: 1002 instructions at line 1 (the limit is 500)")


def test_a_function_too_heavy_to_compile_stays_interpreted_and_its_loop_compiles():
    # Instructions times locals past TierPolicy.max_unit_weight: found by the
    # differential campaign, a generated function whose compiles (2.6 MB of IR, 2 s
    # each, ten of them) made --threshold 1 run eleven times longer than T0.
    program = Path(__file__).parent / "programs" / "jit_too_heavy_to_compile.ruff"
    session = Session(Policy(jit=True, threshold=1), write=lambda _: None)
    assert session.run_source(program.read_text(encoding="utf-8"), str(program)).ok
    stats = session.function("heavy")
    assert stats.state == "not-compilable"
    assert stats.reason == "too large to compile: 389 instructions x 43 locals at line 5 (the limit is 10,000)"
    units = [unit for unit in session.jit.units if unit.code.name == "heavy"]
    assert units and all(unit.region is not None for unit in units)   # (its loop, light enough)


def test_a_chain_of_500_subtractions_compiles_without_python_recursion_when_the_limit_allows():
    # (the code generator's own robustness, past the size limit's default; at T2, where
    # an int chain is cheap to build, rather than T1's generic sites)
    text = "func f(x) { return x" + " - 1" * 500 + " }\nfor i in range(6) { print(f(1000 + i)) }\n"
    output: list[str] = []
    session = Session(Policy(jit=True), write=output.append)
    session.update_policy(max_unit_instructions=1100, t2_calls=3, stable_samples=2)
    assert session.run_source(text, "robust.ruff").ok
    assert "".join(output).split() == [str(500 + i) for i in range(6)] and session.function("f").tier == "T2"


def test_the_worker_raises_the_recursion_limit_and_puts_it_back():
    import sys

    from ruffdbg import harness
    before = sys.getrecursionlimit()
    seen = harness.run_in_thread(sys.getrecursionlimit)
    assert seen >= harness.WORKER_RECURSION_LIMIT and sys.getrecursionlimit() == before


def deep(text: str, **policy) -> tuple[bool, list[str], str | None]:
    """``run`` in the harness's worker (its deep stack and recursion limit), as the CLI runs."""
    from ruffdbg import harness
    return harness.run_in_thread(lambda: run(text, **policy))


MIXED = """
func r(n, x) {
  if n == 0 { return x }
  return r(n - 1, x)
}
for i in range(20) { r(2, "s"); r(2, 1) }
print(r(19998, 2.5))
try { print(r(19999, 2.5)) } except e { print(e.message) }
"""


@pytest.mark.parametrize("policy", TIERS + [dict(jit=True, threshold=5)], ids=str)
def test_mixed_tier_recursion_reaches_the_vms_depth_limit(policy):
    assert deep(MIXED, **policy) == (True, ["2.5", "Stack overflow"], None)


def test_a_builtin_at_each_level_of_native_recursion_builds_no_frames(monkeypatch):
    from ruffdbg.jit.deopt import NativeBoundary
    built = []
    original = NativeBoundary._native_frames

    def counting(self, upto):
        frames = original(self, upto)
        built.append(len(frames))
        return frames

    monkeypatch.setattr(NativeBoundary, "_native_frames", counting)
    text = 'func d(n) { if n == 0 { return 0 } return d(n - 1) + len("ab") }\nprint(d(16000))\n'
    assert deep(text, jit=True, threshold=1) == (True, ["32000"], None)
    assert sum(built) < 16000   # rebuilding the native frames at each call: 16000**2 / 2
