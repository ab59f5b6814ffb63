"""``ruffdbg bench``: Ruff benchmark programs against CPython (and gcc -O2 C).

A benchmark is NAME.ruff with siblings NAME.py and optionally NAME.c, all
doing the same work and printing ``elapsed_ms: X`` measured *inside* the
program around the timed work (performance_now / perf_counter /
clock_gettime), the way the Ruff project measures: most programs warm up and
report the best of several runs. A program that also prints ``steady_ms: X``
(the same work again, once warm: the best of several runs) gets a second
row, ``NAME steady``, next to its twins' steady figures: a cold program's
first call and its steady state side by side. The Ruff program runs on T0 only
(``--no-jit``) and with the JIT (defaults); a ``# bench: jit-only`` line skips
T0 where it would take minutes. Every variant runs ``runs`` times in this one
invocation and the medians are compared, so the ratios hold for this machine
at this moment. Last, every example is run with ``--threshold 1`` to measure
T2 compile latency (all stages, inference to install), reported as p50/p90;
``--latency`` reports only that, stage by stage and for T1 too, then again
with the code in a code cache (a hit's latency). The JIT rows run with no code
cache (every compile happens); a ``*_cold`` benchmark also gets a "JIT warm"
row: its code in the cache, as on a second run.
"""

from __future__ import annotations

import io
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ruffdbg.files import read_text_file
from ruffdbg.jit.engine import STAGES
from ruffdbg.session import Policy, Session

ELAPSED = re.compile(r"^elapsed_ms:\s*([0-9.]+)\s*$", re.MULTILINE)
STEADY = re.compile(r"^steady_ms:\s*([0-9.]+)\s*$", re.MULTILINE)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "examples" / "benchmarks"


@dataclass
class BenchResult:
    name: str
    times_ms: dict[str, list[float]] = field(default_factory=dict)  # variant -> runs

    def median(self, variant: str) -> float | None:
        runs = self.times_ms.get(variant)
        return statistics.median(runs) if runs else None


class BenchmarkError(Exception):
    """A benchmark program cannot be timed (it failed, or printed no time)."""


@dataclass(frozen=True)
class Timing:
    """What one run of a benchmark printed: its time, and its steady-state time if it reports one."""

    elapsed: float
    steady: float | None = None


def elapsed_ms(output: str, what: str) -> Timing:
    match = ELAPSED.search(output)
    if not match:
        raise BenchmarkError(f"{what} printed no 'elapsed_ms: X' line (a benchmark prints its own time)")
    steady = STEADY.search(output)
    return Timing(float(match.group(1)), float(steady.group(1)) if steady else None)


def time_ruff(path: Path, jit: bool, cache: bool | str = False) -> Timing:
    """One run in a new Session; with no code ``cache`` (the default) every compile
    happens, as on a first run."""
    output = io.StringIO()
    session = Session(Policy(jit=jit, code_cache=cache), write=output.write)
    result = session.run_source(read_text_file(path), str(path), whole_program=True)   # (as `run` does)
    if not result.ok:
        raise BenchmarkError(f"{path} failed: {result.error.message if result.error else result.interrupted}")
    return elapsed_ms(output.getvalue(), str(path))


def time_command(command: list[str], what: str) -> Timing:
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return elapsed_ms(done.stdout, what)


def compile_c(path: Path, workdir: Path) -> Path | None:
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    binary = workdir / path.stem
    subprocess.run([gcc, "-O2", "-o", str(binary), str(path), "-lm"], check=True, capture_output=True)   # (sqrt: nbody)
    return binary


def run_one(ruff_file: Path, runs: int, workdir: Path, cache: bool | str = True) -> list[BenchResult]:
    """``cache`` (not False): a cold benchmark (``*_cold``) also runs with its code
    in the code cache ("JIT warm", the cache primed by one untimed run): what a
    second run of a program gets. A second result holds the steady-state times,
    if the programs print them."""
    result, steady = BenchResult(ruff_file.stem), BenchResult(f"{ruff_file.stem} steady")

    def add(variant: str, timing: Timing) -> None:
        result.times_ms.setdefault(variant, []).append(timing.elapsed)
        if timing.steady is not None:
            steady.times_ms.setdefault(variant, []).append(timing.steady)

    warm = None
    if cache is not False and ruff_file.stem.endswith("_cold"):
        warm = cache if isinstance(cache, str) else str(workdir / "code-cache")
        time_ruff(ruff_file, jit=True, cache=warm)
    python_file = ruff_file.with_suffix(".py")
    c_file = ruff_file.with_suffix(".c")
    binary = compile_c(c_file, workdir) if c_file.exists() else None
    jit_only = "# bench: jit-only" in read_text_file(ruff_file)
    for _ in range(runs):
        if not jit_only:
            add("T0", time_ruff(ruff_file, jit=False))
        add("JIT", time_ruff(ruff_file, jit=True))
        if warm is not None:
            add("JIT warm", time_ruff(ruff_file, jit=True, cache=warm))
        if python_file.exists():
            add("CPython", time_command([sys.executable, str(python_file)], str(python_file)))
        if binary is not None:
            add("gcc -O2", time_command([str(binary)], str(c_file)))
    return [result, steady] if steady.times_ms else [result]


def format_results(results: list[BenchResult], runs: int) -> str:
    lines = [f"median of {runs} runs, each timed inside the program; "
             "'x CPython' = how many times faster than CPython, 'vs C' = time / gcc -O2 time",
             f"{'benchmark':<19} {'variant':<9} {'median ms':>11} {'x CPython':>10} {'vs C':>8}"]
    for result in results:
        python, c = result.median("CPython"), result.median("gcc -O2")
        for variant in result.times_ms:
            median = result.median(variant)
            speedup = _times(python / median) if python and variant != "CPython" else "-"
            versus_c = f"{median / c:.2f}" if c and variant != "gcc -O2" else "-"
            lines.append(f"{result.name:<19} {variant:<9} {median:>11.3f} {speedup:>10} {versus_c:>8}")
    return "\n".join(lines)


def _times(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.3f}"


def compile_latency(examples: Path, cache: bool | str = False) -> list[dict[str, float]]:
    """The stage times (``CompiledModule.ms``, with "tier" and "cached") of every
    compile, T1 and T2, whole and OSR, that the examples make at --threshold 1
    (with no code cache, the default: every compile happens)."""
    compiles = []
    for program in sorted(examples.glob("*.ruff")):
        session = Session(Policy(jit=True, threshold=1, code_cache=cache), write=lambda _text: None)
        session.run_source(read_text_file(program), str(program), whole_program=True)
        session.jit.wait_compiles()
        compiles += [{"tier": record.tier, "cached": record.unit.compiled.cached, **record.ms}
                     for record in session.jit.history.records.values() if record.kind != "display"]
    return compiles


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p90) of ``values`` (nearest rank for p90)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def format_latency(compiles: list[dict[str, float]]) -> str:
    times = [c["total"] for c in compiles if c["tier"] == 2]
    if not times:
        return "compile latency: no T2 compiles"
    p50, p90 = percentiles(times)
    return (f"T2 compile latency (inference + IR + parse + optimize + codegen + install) over {len(times)} "
            f"compiles of the examples: p50 {p50:.1f} ms, p90 {p90:.1f} ms")


def format_stages(compiles: list[dict[str, float]], hits: bool = False) -> str:
    """Per tier, p50/p90 of each stage and of the total (``bench --latency``);
    ``hits``: of the compiles whose code came from the code cache."""
    label = " hit" if hits else ""
    lines = [f"{'tier':<8} {'stage':<9} {'p50 ms':>8} {'p90 ms':>8} {'share':>6}"]
    for tier in (1, 2):
        mine = [c for c in compiles if c["tier"] == tier and c.get("cached", False) == hits]
        if not mine:
            continue
        total = sum(c["total"] for c in mine) or 1.0
        for stage in (*STAGES, "total"):
            p50, p90 = percentiles([c.get(stage, 0.0) for c in mine])
            share = sum(c.get(stage, 0.0) for c in mine) / total
            lines.append(f"{f'T{tier}{label}':<8} {stage:<9} {p50:>8.2f} {p90:>8.2f} {share:>6.0%}")
        lines.append(f"{f'T{tier}{label}':<8} ({len(mine)} compiles)")
    return "\n".join(lines)


def run_latency(examples: Path, cache: bool | str = True) -> int:
    """``ruffdbg bench --latency``: only the compile latency, stage by stage; then
    (unless ``cache`` is False) the same compiles again, their code now in a code
    cache (``cache``'s folder, or a new temporary one): the latency of a hit."""
    compiles = compile_latency(examples)
    print(format_stages(compiles))
    print(format_latency(compiles))
    if cache is not False:
        with tempfile.TemporaryDirectory() as scratch:
            folder = cache if isinstance(cache, str) else scratch
            compile_latency(examples, folder)   # (fills it)
            print("compiled again with their code in the code cache (a second run):")
            print(format_stages(compile_latency(examples, folder), hits=True))
    return 0


def run_benchmarks(directory: str | None, runs: int, names: list[str], cache: bool | str = True) -> int:
    folder = Path(directory) if directory else DEFAULT_DIR
    programs = sorted(folder.glob("*.ruff"))
    if names:
        programs = [p for p in programs if p.stem in names]
    if not programs:
        print(f"ruffdbg bench: no benchmark programs found in {folder}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as workdir:
        results = []
        for program in programs:
            print(f"running {program.stem} ...", file=sys.stderr, flush=True)
            try:
                results += run_one(program, runs, Path(workdir), cache)
            except BenchmarkError as error:
                print(f"ruffdbg bench: {error}", file=sys.stderr)
                return 1
    print(format_results(results, runs))
    print(format_latency(compile_latency(folder.parent)))
    return 0
