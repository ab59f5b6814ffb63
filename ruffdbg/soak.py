"""``ruffdbg soak``: does memory stay flat over a long run with the JIT busy?

One session runs rounds of three workloads, the way a REPL user or a long
program churns the JIT, for a given time, and the resident set size is sampled
after every round:

* **recompile**: a function is redefined (new code, so a new compile), called
  until it is hot, then called with other types so its guards fail, it deopts
  and is compiled again; its earlier units are retired and their machine code
  released;
* **strings**: a native loop makes thousands of short-lived strings (handles);
* **closures**: closures are made in a hot loop, stored, called through a
  variable, a dict and a struct field, and dropped.

The report gives RSS at the start, after warm-up and at the end, and the growth
per minute after warm-up. What is still kept per compile is named in
docs/ARCHITECTURE.md ("Memory").
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.session import Policy, Session

SETUP = """
struct Box { f }
mut rounds := 0

func make_worker(k) {
  return func(x) {
    mut t = 0
    for i in range(50) { t = t + x * k }
    return t
  }
}

func flip(x) { return x + x }

func soak_round(n) {
  # redefinition: a new closure each round, called through a variable, a dict, a field
  let work = make_worker(n)
  mut adders = {}
  mut total = 0
  for j in range(200) {
    let add = func(y) { return y + j }
    adders["a"] = add
    let box = Box { f: add }
    total = total + work(j) + add(1) + adders["a"](2) + box.f(3)
  }
  # deopt and recompile: the types at flip's site change every round
  for j in range(100) {
    if n % 2 == 0 { flip(j) } else { flip(j + 0.5) }
  }
  flip("s")
  # short-lived strings made in native code
  mut text = ""
  for j in range(2000) { text = "s" + to_string(j) + to_string(len(text)) }
  return total
}
"""

# --redefine: every round defines ``work`` anew, as a REPL user re-entering a
# function does: new code each round, so a new compile each round.
REDEFINE = """
work = func(x) {{
  mut t = 0
  for i in range(60) {{ t = t + x * {round} }}
  return t
}}
for j in range(150) {{ work(j) }}
"""

# Compiled once and run again each round: the session keeps every script it
# compiles (the REPL's history), which is not what is measured here.
ROUND = "rounds = rounds + 1\nsoak_round(rounds)"

WARM_UP_FRACTION = 0.25


def resident_mb() -> float:
    """This process's resident set size in MB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 2**20


@dataclass
class SoakReport:
    seconds: float
    rounds: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)   # (seconds, RSS MB) per round
    redefine: bool = False
    units: int = 0
    retired: int = 0
    loaded: int = 0        # units whose machine code is still loaded at the end
    deopts: int = 0

    def after_warm_up(self) -> tuple[float, float]:
        """(time, RSS) after the warm-up rounds (the first quarter of them)."""
        return self.samples[int(len(self.samples) * WARM_UP_FRACTION)]

    @property
    def growth_mb_per_minute(self) -> float:
        (t0, mb0), (t1, mb1) = self.after_warm_up(), self.samples[-1]
        return 0.0 if t1 <= t0 else (mb1 - mb0) / (t1 - t0) * 60

    @property
    def growth_kb_per_round(self) -> float:
        """Growth after warm-up per round: what a minute's figure is, without the
        machine's speed (rounds a minute vary threefold with the load)."""
        warm, last = int(len(self.samples) * WARM_UP_FRACTION), len(self.samples) - 1
        return 0.0 if last <= warm else (self.samples[last][1] - self.samples[warm][1]) * 1024 / (last - warm)

    def text(self) -> str:
        first, warm, last = self.samples[0], self.after_warm_up(), self.samples[-1]
        what = "redefining a function every round" if self.redefine else "one program"
        lines = [f"soak ({what}): {self.rounds} rounds in {last[0]:.1f} s, {self.units} units compiled, "
                 f"{self.deopts} deopts, {self.retired} units retired (machine code released), "
                 f"{self.loaded} loaded",
                 f"  RSS after round 1      {first[1]:8.1f} MB",
                 f"  RSS after warm-up      {warm[1]:8.1f} MB  (at {warm[0]:.1f} s)",
                 f"  RSS at the end         {last[1]:8.1f} MB",
                 f"  growth after warm-up   {self.growth_mb_per_minute:8.2f} MB/min, "
                 f"{self.growth_kb_per_round:.1f} KB a round"]
        if self.redefine and self.units:
            lines.append(f"  per compiled unit      {(last[1] - first[1]) * 1024 / self.units:8.1f} KB "
                         "(kept: see docs/ARCHITECTURE.md, Memory)")
        return "\n".join(lines)


def soak(seconds: float, max_rounds: int | None = None, threshold: int | None = None,
         redefine: bool = False) -> SoakReport:
    """Run rounds for ``seconds`` (or ``max_rounds``) in one session; sample RSS after each."""
    session = Session(Policy(code_cache=False))   # (every compile happens: what the soak measures)
    if threshold is not None:
        session.set_threshold(threshold)
    session.silence_output()
    _run(session, session.compile(SETUP, "<soak setup>"))
    round_code = session.compile(ROUND, "<soak round>")
    report = SoakReport(seconds, redefine=redefine)
    # What the imports and the setup made lives as long as the session: frozen, the
    # full collection after each round (RSS is sampled without garbage) looks only
    # at what the rounds made. It took 100-140 ms a round otherwise (2 shared cores),
    # a third of a round's time. (Frozen objects are invisible to gc.get_referrers,
    # which jit/reclaim.py asks: nothing the setup made holds a function a round replaces.)
    gc.collect()
    gc.freeze()
    try:
        _rounds(session, round_code, report, max_rounds)
    finally:
        gc.unfreeze()
    if session.jit is not None:
        report.units = len(session.jit.units)
        report.retired = sum(not unit.compiled.loaded for unit in session.jit.units)
        report.loaded = report.units - report.retired
        report.deopts = sum(state.deopts for state in session.jit.states.values())
    return report


def _rounds(session: Session, round_code: CodeObject, report: SoakReport, max_rounds: int | None) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < report.seconds and (max_rounds is None or report.rounds < max_rounds):
        if report.redefine:
            _run(session, session.compile(REDEFINE.format(round=report.rounds + 1), "<soak round>"))
        else:
            _run(session, round_code)
        report.rounds += 1
        gc.collect()
        report.samples.append((time.perf_counter() - started, resident_mb()))


def _run(session: Session, code: CodeObject) -> None:
    result = session.run_code(code)
    if not result.ok:
        raise RuntimeError(f"the soak program failed: {result.error or result.interrupted}")
