"""A differential campaign: generate programs, run each in every mode, minimize every divergence.

    nice -n 10 python -m tests.jit.campaign --count 2000 --seed 1 --out /tmp/campaign

Each program (``rich_generator.generate(Random(seed + n))``, or the hypothesis
generator's with ``--generator scalar``) runs in-process (``ruffdbg run``) under
``--no-jit``, the default, ``--threshold 1`` and ``--threshold 37``, each run in
a forked child (so a crash, a hang or leaked state cannot affect the next run)
with a limit on its CPU time. A program *diverges* when some mode's (exit status, stdout,
stderr) differs from ``--no-jit``'s, or when any mode exits 70 (internal
error) or prints a Python traceback. Divergent programs are minimized by deleting
blocks and lines (chunks, then single lines) while a symptom of the same kind
remains and the program stays valid Ruff, and written to OUT/<n>.ruff with the symptom on top; OUT/summary.json
counts programs run and diverging, per mode and per symptom, and the rate (programs per second, minimizing
aside). Before the first program the parent imports every module a run imports
(found by a child), so the forked children do not import the JIT again.

``--corpus DIR`` runs the programs already written under DIR instead (every
``*.ruff``, in its own folder, standard input empty): each runs at T0 twice
first, and a program whose two T0 runs differ (clocks, random numbers, files a
run leaves behind) is counted as nondeterministic rather than compared; the
others are compared with the second T0 run. Nothing is minimized.

    nice -n 10 python -m tests.jit.campaign --corpus ../ruff --out /tmp/real
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import json
import math
import os
import random
import re
import resource
import select
import signal
import sys
import tempfile
import time
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

MODES = {"T0": ["--no-jit"], "default": [], "eager": ["--threshold", "1"], "t37": ["--threshold", "37"]}
TIME_LIMIT = 15.0     # CPU seconds
JIT_SLOWDOWN = 10
WALL_FACTOR = 20


def _run_child(path: str, mode: str) -> tuple[int, str, str]:
    from ruffdbg.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(["run", path, *MODES[mode]])
        except BaseException as error:  # noqa: BLE001 - a Python traceback is a finding
            import traceback

            err.write("PYTHON TRACEBACK\n" + traceback.format_exc())
            status = 99
    return status, out.getvalue(), err.getvalue()


def _in_child(work, limit: float) -> tuple[bool, object, float]:
    """``work()`` in a forked child, its JSON result back through a pipe: (True, result,
    CPU seconds), or (False, why, CPU seconds) when the child ran out of time or died.

    The limit is on the child's CPU time (RLIMIT_CPU), so a campaign at ``nice -n 15``
    on a busy machine, where a run may get a small share of a core, does not take
    slowness for a hang; a child that waits without running (a deadlock) is killed
    after WALL_FACTOR times the limit of wall time."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # (SIGXCPU would dump core)
        cpu = math.ceil(limit)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        try:
            try:
                result = work()
            except BaseException as error:  # noqa: BLE001
                result = (98, "", f"child failed: {error!r}")
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(json.dumps(result).encode())
        finally:   # (never returns: a parent that gave up closed the pipe, and a child
            os._exit(0)   # that raised out of here would go on running the campaign)
    os.close(write_fd)
    chunks = []
    deadline = time.monotonic() + WALL_FACTOR * limit
    blocked = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            blocked = True
            break
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    if blocked:
        os.kill(pid, signal.SIGKILL)
    _, wait_status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    if blocked or (not chunks and os.WIFSIGNALED(wait_status) and os.WTERMSIG(wait_status) == signal.SIGXCPU):
        return False, "timeout", cpu
    if not chunks:
        return False, wait_status, cpu
    return True, json.loads(b"".join(chunks)), cpu


def run_mode(path: str, mode: str, limit: float = TIME_LIMIT) -> tuple[tuple[int, str, str], float]:
    """Run one mode in a forked child: ((status, stdout, stderr), CPU seconds), status -9
    when it ran out of time."""
    ok, result, cpu = _in_child(lambda: _run_child(path, mode), limit)
    if ok:
        status, out, err = result
        return (status, out, err), cpu
    if result == "timeout":
        return (-9, "", "timeout"), cpu
    return (-(result & 0x7F) or -1, "", f"child died (wait status {result})"), cpu


def preload(text: str, folder: Path) -> int:
    """Import in this process every module a run of ``text`` in each mode imports.

    ruffdbg imports the JIT (and llvmlite) lazily, when a Session with a JIT is
    made: without this, every forked child would import it again (about 0.1 s of
    each run). A child finds the modules, so this process runs no program (no
    state of a run is inherited); returns how many modules it imported."""
    path = folder / "warm.ruff"
    path.write_text(text, encoding="utf-8")

    def imported() -> list[str]:
        before = set(sys.modules)
        for mode in MODES:
            _run_child(str(path), mode)
        return sorted(set(sys.modules) - before)

    ok, names, _ = _in_child(imported, 4 * TIME_LIMIT)
    for name in names if ok else ():
        importlib.import_module(name)
    gc.freeze()   # what the parent holds stays out of the children's collections (no copy-on-write of it)
    return len(names) if ok else 0


def symptom(results: dict[str, tuple[int, str, str]]) -> str | None:
    """A short, stable name of what went wrong ("" parts joined), or None when every mode
    agrees -- or when T0 itself ran out of time: a program the interpreter cannot
    finish within the limit has nothing to compare against (the JIT modes, limited
    alike, run out too; seed 8801 #143 was flagged for that)."""
    ref = results["T0"]
    if ref[0] == -9:
        return None
    parts = []
    for mode, (status, out, err) in results.items():
        if mode == "T0":
            continue
        if status == 70:
            line = next((l for l in err.splitlines() if "internal error" in l), err[:120])
            head = re.sub(r"\d+", "N", line.split("internal error:", 1)[-1].strip())[:90]
            parts.append(f"{mode}:internal:{head}")
            if not ref[1].startswith(out):  # it printed something wrong before it stopped
                parts.append(f"{mode}:stdout")
        elif "Traceback" in err or status in (98, 99):
            parts.append(f"{mode}:traceback")
        elif status == -9:
            parts.append(f"{mode}:timeout")
        elif (status, out, err) != ref:
            what = "status" if status != ref[0] else ("stdout" if out != ref[1] else "stderr")
            parts.append(f"{mode}:{what}")
    return " | ".join(parts) or None


def run_all(path: str, modes=MODES) -> dict[str, tuple[int, str, str]]:
    """Every mode, T0 first: a JIT mode gets TIME_LIMIT or JIT_SLOWDOWN times T0's CPU
    time, whichever is longer (at --threshold 1 a program whose every operation takes
    T1's generic path runs a few times slower than T0: slow, but not a hang); when
    T0 itself ran out of time, TIME_LIMIT."""
    results = {"T0": None}
    results["T0"], t0_cpu = run_mode(path, "T0", TIME_LIMIT)
    limit = TIME_LIMIT if results["T0"][0] == -9 else max(TIME_LIMIT, JIT_SLOWDOWN * t0_cpu)
    for mode in modes:
        if mode != "T0":
            results[mode], _ = run_mode(path, mode, limit)
    return results


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of each brace block whose opening line ends with ``{`` and whose
    closing ``}`` sits at the same indentation (an if/else or try/except chain is one block)."""
    found = []
    for first, line in enumerate(lines):
        if not line.rstrip().endswith("{"):
            continue
        indent = len(line) - len(line.lstrip())
        for last in range(first + 1, len(lines)):
            other = lines[last]
            if len(other) - len(other.lstrip()) == indent and other.lstrip().startswith("}"):
                if not other.rstrip().endswith("{"):   # (not `} else {`: the chain goes on)
                    found.append((first, last))
                    break
            elif other.strip() and len(other) - len(other.lstrip()) < indent:
                break
    return found


def _parses(text: str) -> bool:
    from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
    from ruffdbg.lang.parser import parse

    try:
        parse(Source("min.ruff", text))
    except RuffSyntaxError:
        return False
    return True


def minimize(text: str, target: str, folder: Path, budget: float = 240.0) -> str:
    """Delete whole blocks, then lines (chunks, then single lines), then blocks again, while
    the program still shows ``target``'s symptom kind.

    Only T0 and the modes that diverged are run (and only on candidates that parse);
    after ``budget`` seconds the smallest program so far is kept.
    """
    want = {part.split(":", 1)[1] for part in target.split(" | ")}
    modes = {"T0": MODES["T0"], **{part.split(":", 1)[0]: MODES[part.split(":", 1)[0]]
                                   for part in target.split(" | ")}}
    deadline = time.monotonic() + budget

    def still(candidate: list[str]) -> bool:
        text = "\n".join(candidate) + "\n"
        if not candidate or time.monotonic() > deadline or not _parses(text):
            return False
        path = folder / "min.ruff"
        path.write_text(text, encoding="utf-8")
        results = run_all(str(path), modes)
        status, _, err = results["T0"]
        if not (status == 0 or (status == 1 and "Ruff stack" in err)):
            return False  # no longer valid Ruff
        got = symptom(results)
        return bool(got) and bool(want & {part.split(":", 1)[1] for part in got.split(" | ")})

    lines = _without_blocks(text.splitlines(), still)
    chunk = max(1, len(lines) // 4)
    while chunk >= 1:
        i = 0
        changed = False
        while i < len(lines):
            candidate = lines[:i] + lines[i + chunk:]
            if still(candidate):
                lines = candidate
                changed = True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return "\n".join(_without_blocks(lines, still)) + "\n"


def _without_blocks(lines: list[str], still) -> list[str]:
    """Delete whole blocks, top to bottom (a block, then what it contains), while ``still(lines)`` holds."""
    at = 0
    while True:
        left = [(first, last) for first, last in _blocks(lines) if first >= at]
        if not left:
            return lines
        for first, last in left:
            candidate = lines[:first] + lines[last + 1:]
            if still(candidate):
                lines, at = candidate, first
                break
        else:
            return lines


def run_corpus(folder: Path, out_dir: Path) -> dict:
    """Every ``*.ruff`` under ``folder`` in every mode (see the module docstring)."""
    sys.stdin = io.StringIO()   # (a program asking for input gets end-of-input, in every mode)
    counts: Counter = Counter()
    found_in: dict[str, str] = {}
    started = time.monotonic()
    preload((folder / next(iter(sorted(folder.rglob("*.ruff"))))).read_text(encoding="utf-8", errors="replace"),
            out_dir)
    for path in sorted(folder.rglob("*.ruff")):
        name = str(path.relative_to(folder))
        os.chdir(path.parent)
        first, _ = run_mode(str(path), "T0")
        results = run_all(str(path))
        if results["T0"] != first:
            counts["nondeterministic"] += 1
            print(f"{name}: nondeterministic (two T0 runs differ)", flush=True)
            continue
        found = symptom(results)
        counts["diverging" if found else "same"] += 1
        if found:
            found_in[name] = found
            print(f"{name}: {found}", flush=True)
    return {"corpus": str(folder), **counts, "divergences": found_in,
            "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    # Every mode compiles afresh unless told: a code cache would skip the compiles the
    # campaign is testing (and fill the user's cache folder).
    os.environ.setdefault("RUFFDBG_CACHE", "off")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="campaign-out")
    parser.add_argument("--generator", choices=["rich", "nest", "scalar"], default="rich",
                        help="nest: loop nests with a try and errors at random iterations (nest_generator.py)")
    parser.add_argument("--shallow", action="store_true",
                        help="rich generator with recursion under 60 frames (to look past deep-recursion bugs)")
    parser.add_argument("--no-minimize", action="store_true")
    parser.add_argument("--max-minimize", type=int, default=12, help="minimize at most this many per symptom kind")
    parser.add_argument("--corpus", metavar="DIR", help="run the *.ruff programs under DIR instead of generated ones")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import ruffdbg.cli  # noqa: F401 - imported once, before forking

    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.corpus:
        summary = run_corpus(Path(args.corpus).resolve(), out_dir)
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        print(json.dumps(summary, indent=2))
        return 0
    if args.generator == "rich":
        from tests.jit.rich_generator import generate

        make = lambda n: generate(random.Random(args.seed * 1_000_003 + n), deep=not args.shallow)  # noqa: E731
    elif args.generator == "nest":
        from tests.jit.nest_generator import generate as generate_nest

        make = lambda n: generate_nest(random.Random(args.seed * 1_000_003 + n))  # noqa: E731
    else:
        from tests.jit.program_generator import programs

        strategy = programs()
        make = lambda n: strategy.example()  # noqa: E731 - not reproducible by seed; for a quick look only
    per_mode: Counter = Counter()
    kinds: Counter = Counter()
    minimized: Counter = Counter()
    diverging = 0
    minimizing = 0.0   # seconds spent minimizing: not part of the rate
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ruffdbg-campaign-") as tmp:
        folder = Path(tmp)
        preload(make(-1), folder)
        for n in range(args.count):
            text = make(n)
            path = folder / "p.ruff"
            path.write_text(text, encoding="utf-8")
            results = run_all(str(path))
            found = symptom(results)
            if n % 25 == 24:
                print(f"... {n + 1} programs, {diverging + bool(found)} diverging", flush=True)
            if not found:
                continue
            diverging += 1
            for part in found.split(" | "):
                mode, kind = part.split(":", 1)
                per_mode[mode] += 1
                kinds[kind] += 1
            key = found.split(" | ")[0].split(":", 1)[1]
            (out_dir / f"{n}.orig.ruff").write_text(text, encoding="utf-8")
            if not args.no_minimize and minimized[key] < args.max_minimize:
                minimized[key] += 1
                began = time.monotonic()
                small = minimize(text, found, folder)
                (folder / "min.ruff").write_text(small, encoding="utf-8")
                final = symptom(run_all(str(folder / "min.ruff")))
                (out_dir / f"{n}.ruff").write_text(f"// {final}\n{small}", encoding="utf-8")
                minimizing += time.monotonic() - began
            print(f"{n}: {found}", flush=True)
    summary = {"programs": args.count, "shallow": args.shallow, "diverging": diverging, "per_mode": dict(per_mode),
               "kinds": dict(kinds.most_common()), "seed": args.seed, "generator": args.generator,
               "seconds": round(time.monotonic() - started, 1), "minimizing_seconds": round(minimizing, 1),
               "programs_per_second": round(args.count / max(1e-9, time.monotonic() - started - minimizing), 3)}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
