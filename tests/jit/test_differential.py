"""Differential tests: the JIT must never change what a program does.

Every program is run in-process through ``ruffdbg run`` in several modes and
the (exit status, stdout, stderr) triples must be identical:

- ``T0``: ``--no-jit``, the interpreter only (the reference);
- ``default``: the JIT with its normal hotness thresholds;
- ``eager``: ``--threshold 1``, so every tier is reached as early as possible;
- ``t37``: ``--threshold 37``, in between: tier-ups, OSR entries and deopts
  happen mid-run, after the interpreter has collected some type feedback.

No mode may exit 70 ("internal error"), even when all of them do.

``test_program_same_in_every_mode`` covers tests/programs/*.ruff and
examples/*.ruff (except programs that print timings), each in T0, the default
mode and one of eager and t37 (``modes_of``; RUFFDBG_DIFF_ALL_MODES=1 runs all
four). The ``random`` tests run
generated programs in all four modes: ``program_generator.programs()`` (scalar
code a JIT compiles first) and ``rich_generator.programs()`` (every value kind,
type flips at every kind of site, functions in containers, globals redefined
while hot, nested loops, deep and mutual recursion). The default run (and CI)
checks a fixed sample of each (10 derandomized scalar programs, the rich
programs of seeds 0-11), so a run is reproducible; for a long, randomized run set RUFFDBG_DIFF_EXAMPLES, e.g. 100,000 programs:

    RUFFDBG_DIFF_EXAMPLES=100000 python -m pytest tests/jit/test_differential.py -k random

(``tests/jit/campaign.py`` runs the rich generator faster, outside pytest, and
minimizes what it finds.)

A failing program is shown in the hypothesis report (as a ``note``), already
shrunk, with the first differing output line.
"""

from __future__ import annotations

import atexit
import difflib
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings

from ruffdbg.cli import main
from tests.jit.nest_generator import generate as generate_nest
from tests.jit.program_generator import programs
from tests.jit.rich_generator import generate as generate_rich
from tests.jit.rich_generator import programs as rich_programs
from tests.known_jit_bugs import with_known_bugs
from tests.expected import ALL_PROGRAMS, EVERY_MODE as PROGRAMS, assert_conforms, timing_free

# (In this order: the JIT modes share a code cache, below, and the default mode finds
# more of its units among those the eager and in-between modes compiled than they
# find among its own -- over three of the heaviest programs, 18.3 -> 16.5 s of compiles.)
MODES = {"T0": ["--no-jit"], "eager": ["--threshold", "1"], "t37": ["--threshold", "37"], "default": []}
EXIT_INTERNAL = 70
LONG_RUN = "RUFFDBG_DIFF_EXAMPLES" in os.environ
ALL_MODES = "RUFFDBG_DIFF_ALL_MODES" in os.environ
EXAMPLES = int(os.environ.get("RUFFDBG_DIFF_EXAMPLES", "10"))


# The JIT modes share a code cache, as runs of a user's programs do: a unit another
# mode (or program) compiled with the same IR links that machine code instead of
# optimizing and generating it again (a hit is the code a compile would make).
# Measured: the regression programs' CPU time 229 -> 199 s.
CACHE = tempfile.mkdtemp(prefix="ruffdbg-diff-cache-")
atexit.register(shutil.rmtree, CACHE, True)


def run_mode(path: Path | str, mode: str, capsys) -> tuple[int, str, str]:
    """Run ``ruffdbg run PATH`` in-process in ``mode``; return (status, stdout, stderr)."""
    capsys.readouterr()  # drop anything printed before this run
    cache = [] if mode == "T0" else ["--cache", CACHE]
    status = main(["run", str(path), *MODES[mode], *cache])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def differences(reference: str, results: dict[str, tuple[int, str, str]]) -> str:
    """A readable account of how each mode differs from ``reference`` ("" when all agree)."""
    expected = results[reference]
    report = []
    for mode, result in results.items():
        if result == expected:
            continue
        report.append(f"--- {mode} differs from {reference}:")
        if result[0] != expected[0]:
            report.append(f"exit status {result[0]} != {expected[0]}")
        for stream, ours, theirs in (("stdout", result[1], expected[1]), ("stderr", result[2], expected[2])):
            if ours != theirs:
                diff = difflib.unified_diff(theirs.splitlines(), ours.splitlines(),
                                            f"{stream} ({reference})", f"{stream} ({mode})", lineterm="", n=2)
                report.extend(list(diff)[:40])
    return "\n".join(report)


def modes_of(program: Path) -> list[str]:
    """The modes a regression program runs in: the reference, the default (checked
    against its .out) and one of the two that tier up early -- eager for half of
    the programs, t37 for the others, by a hash of the name, so a program keeps
    its modes from run to run. (Eager compiles everything, cold code too: 204 of
    the 355 s of CPU all four modes took over the programs, measured by running
    them one by one.) RUFFDBG_DIFF_ALL_MODES=1: every program in every mode."""
    if ALL_MODES:
        return list(MODES)
    return ["T0", "eager" if zlib.crc32(program.stem.encode()) % 2 == 0 else "t37", "default"]


@pytest.mark.parametrize("program", with_known_bugs(PROGRAMS, "differential", "conformance"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_program_same_in_every_mode(program: Path, capsys) -> None:
    results = {mode: run_mode(program, mode, capsys) for mode in modes_of(program)}
    problem = differences("T0", results)
    assert not problem, f"{program}:\n{problem}"
    assert_no_internal_error(results)
    assert_conforms(program, *results["default"])   # (the conformance check: tests/expected.py)


def assert_no_internal_error(results: dict[str, tuple[int, str, str]]) -> None:
    internal = {mode: err for mode, (status, _, err) in results.items() if status == EXIT_INTERNAL}
    assert not internal, f"internal error: {internal}"


def test_timing_programs_are_the_only_ones_left_out() -> None:
    left_out = [path for path in ALL_PROGRAMS if path not in PROGRAMS]
    assert all(not timing_free(path) for path in left_out)
    assert len(left_out) <= 3, f"too many programs left out: {left_out}"


def check_random_program(program: str, capsys, in_hypothesis: bool = True) -> None:
    if in_hypothesis:
        note(f"program:\n{program}")
    with tempfile.TemporaryDirectory(prefix="ruffdbg-diff-") as folder:
        path = Path(folder) / "random.ruff"
        path.write_text(program, encoding="utf-8")
        results = {mode: run_mode(path, mode, capsys) for mode in MODES}
    problem = differences("T0", results)
    assert not problem, problem
    assert_no_internal_error(results)
    assert_valid_run(*results["T0"])


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program=programs())
def test_random_programs_every_mode(program: str, capsys) -> None:
    check_random_program(program, capsys)


# The rich generator in CI: a fixed list of seeds, generate_rich(Random(seed)),
# not a hypothesis sample, so that we know exactly which programs run. The
# strategy avoids nothing: the seeds whose programs hit a known JIT bug today are
# strict expected failures naming the filed regression program (known_jit_bugs.py);
# a fix turns them into passes, and then the entry must go. Changing the
# generator changes every seed's program: recompute RICH_KNOWN_FAILURES then
# (python -m tests.jit.campaign --count 12 --seed 0 ... prints them; or run this test).
# RUFFDBG_DIFF_EXAMPLES=N runs N randomized programs through hypothesis instead.
RICH_SEEDS = 12
RICH_KNOWN_FAILURES: dict[int, str] = {}


@pytest.mark.parametrize("seed", [
    pytest.param(seed, marks=pytest.mark.xfail(strict=True, reason=RICH_KNOWN_FAILURES[seed]))
    if seed in RICH_KNOWN_FAILURES else seed for seed in range(RICH_SEEDS)])
def test_rich_program_fixed_seed(seed: int, capsys) -> None:
    import random

    # the program: python -m tests.jit.rich_generator SEED
    check_random_program(generate_rich(random.Random(seed)), capsys, in_hypothesis=False)


@pytest.mark.parametrize("seed", range(8))
def test_loop_nest_with_a_try_fixed_seed(seed: int, capsys) -> None:
    """Loop nests of every kind with a try at a random level and errors at random
    iterations (nest_generator.py), kept short for CI (loops up to 30 long)."""
    import random

    # the program: python -m tests.jit.nest_generator SEED (with longer loops)
    check_random_program(generate_nest(random.Random(seed), longest=30), capsys, in_hypothesis=False)


@pytest.mark.skipif(not LONG_RUN, reason="set RUFFDBG_DIFF_EXAMPLES=N for N randomized rich programs")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program=rich_programs())
def test_random_rich_programs_every_mode(program: str, capsys) -> None:
    check_random_program(program, capsys)


def assert_valid_run(status: int, out: str, err: str) -> None:
    """Generated programs are valid Ruff: they succeed or stop at a runtime error (which has a Ruff stack)."""
    assert status == 0 or (status == 1 and "Ruff stack" in err), f"not a runtime error:\n{err}"


def test_generated_programs_are_valid_and_terminate(capsys) -> None:
    """Smoke test of the generator itself: a few programs run on T0 without a syntax error."""
    seen = []

    @settings(max_examples=20, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(program=programs())
    def check(program: str) -> None:
        with tempfile.TemporaryDirectory(prefix="ruffdbg-gen-") as folder:
            path = Path(folder) / "gen.ruff"
            path.write_text(program, encoding="utf-8")
            assert_valid_run(*run_mode(path, "T0", capsys))
        seen.append(program)

    check()
    assert seen and all(text.count("func f0(") == 1 for text in seen)


def test_rich_generated_programs_are_valid_and_terminate(capsys) -> None:
    """Smoke test of the rich generator: programs parse, run on T0 and use what they claim to use."""
    import random
    import time

    texts = []
    for seed in range(10):
        text = generate_rich(random.Random(seed))
        with tempfile.TemporaryDirectory(prefix="ruffdbg-gen-") as folder:
            path = Path(folder) / "gen.ruff"
            path.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            assert_valid_run(*run_mode(path, "T0", capsys))
            assert time.perf_counter() - start < 10
        texts.append(text)
    every = "\n".join(texts + [generate_rich(random.Random(seed)) for seed in range(10, 100)])
    for feature in ("op_add", "mk_adder", "G_FN :=", "try {", "for ", "while ", "loop {", "break", "continue",
                    "return", "9223372036854775807", "pow(10.0, 400.0)", "null", "holder.f", 'table["f"]',
                    "fib(", "ev(", ", d - 1)", ":= func(q) {"):
        assert feature in every, feature


def test_rich_generator_reaches_every_opcode() -> None:
    """The rich generator's programs, compiled (not run), use every opcode of the table."""
    import random

    from ruffdbg.compiler.bytecode import CodeObject
    from ruffdbg.compiler.codegen import compile_program
    from ruffdbg.compiler.opcodes import OPCODES
    from ruffdbg.lang.diagnostics import Source
    from ruffdbg.lang.parser import parse

    seen: set[str] = set()

    def walk(code: CodeObject) -> None:
        for op, _ in code.instrs:
            seen.add(OPCODES[op].name)
        for const in code.consts:
            if isinstance(const, CodeObject):
                walk(const)

    for seed in range(300):   # (until every opcode showed up: rare ones, THROW say, take a few dozen programs)
        walk(compile_program(parse(Source("gen", generate_rich(random.Random(seed))))))
        if len(seen) == len(OPCODES):
            break
    assert [info.name for info in OPCODES if info.name not in seen] == []
