"""``ruffdbg bench``: Ruff benchmark programs against CPython (and gcc -O2 C).

A benchmark is NAME.ruff with siblings NAME.py and optionally NAME.c, all
doing the same work and printing ``elapsed_ms: X`` measured *inside* the
program around the timed call (performance_now / perf_counter /
clock_gettime), so process start-up and compilation are not counted. Every
variant runs ``runs`` times in this one invocation and the medians are
compared, so the ratios hold for this machine at this moment.
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

from ruffdbg.session import Policy, Session

ELAPSED = re.compile(r"^elapsed_ms:\s*([0-9.]+)\s*$", re.MULTILINE)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "examples" / "benchmarks"


@dataclass
class BenchResult:
    name: str
    times_ms: dict[str, list[float]] = field(default_factory=dict)  # variant -> runs

    def median(self, variant: str) -> float | None:
        runs = self.times_ms.get(variant)
        return statistics.median(runs) if runs else None


def elapsed_ms(output: str, what: str) -> float:
    match = ELAPSED.search(output)
    if not match:
        raise RuntimeError(f"{what} printed no 'elapsed_ms: X' line:\n{output}")
    return float(match.group(1))


def time_ruff(path: Path, jit: bool) -> float:
    output = io.StringIO()
    session = Session(Policy(jit=jit), write=output.write)
    result = session.run_file(path)
    if not result.ok:
        raise RuntimeError(f"{path} failed: {result.error or result.interrupted}")
    return elapsed_ms(output.getvalue(), str(path))


def time_command(command: list[str], what: str) -> float:
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return elapsed_ms(done.stdout, what)


def compile_c(path: Path, workdir: Path) -> Path | None:
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    binary = workdir / path.stem
    subprocess.run([gcc, "-O2", "-o", str(binary), str(path)], check=True, capture_output=True)
    return binary


def run_one(ruff_file: Path, runs: int, workdir: Path) -> BenchResult:
    result = BenchResult(ruff_file.stem)
    python_file = ruff_file.with_suffix(".py")
    c_file = ruff_file.with_suffix(".c")
    binary = compile_c(c_file, workdir) if c_file.exists() else None
    for _ in range(runs):
        result.times_ms.setdefault("T0", []).append(time_ruff(ruff_file, jit=False))
        if python_file.exists():
            result.times_ms.setdefault("CPython", []).append(
                time_command([sys.executable, str(python_file)], str(python_file)))
        if binary is not None:
            result.times_ms.setdefault("gcc -O2", []).append(time_command([str(binary)], str(c_file)))
    return result


def format_results(results: list[BenchResult], runs: int) -> str:
    lines = [f"median of {runs} runs, timed inside each program; ratio = time / CPython time",
             f"{'benchmark':<12} {'variant':<9} {'median ms':>10} {'vs CPython':>11}"]
    for result in results:
        baseline = result.median("CPython")
        for variant in result.times_ms:
            median = result.median(variant)
            ratio = _ratio(median / baseline) if baseline else "-"
            lines.append(f"{result.name:<12} {variant:<9} {median:>10.2f} {ratio:>11}")
    return "\n".join(lines)


def _ratio(value: float) -> str:
    """Times slower than CPython, or for faster variants how many times faster."""
    return f"{value:.1f}x" if value >= 1 else f"1/{1 / value:.0f}x"


def run_benchmarks(directory: str | None, runs: int, names: list[str]) -> int:
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
            results.append(run_one(program, runs, Path(workdir)))
    print(format_results(results, runs))
    return 0
