"""The sampling profiler (issue 13, item 4): time per function split into T0,
T1, T2, compile and runtime calls, from a Session; and the perf map."""

from __future__ import annotations

import os
import re
import time

import pytest

from ruffdbg.cli import main
from ruffdbg.session import Policy, Session
from ruffdbg.vm.sampler import BUCKETS

# fib's first 30,000 calls run in the interpreter (T0); then it compiles, and
# fib(LAST) runs at T2.
T0_THEN_T2 = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
fib(21)
fib(21)
print(fib(LAST))
"""

# A loop in native code (OSR) that calls builtins: runtime calls from native code.
RUNTIME_CALLS = """mut total := 0
for k in 4000 { total := total + len(upper("abc")) }
print(total)
"""


def sampled(text: str, **policy) -> tuple[Session, float]:
    session = Session(Policy(sample_ms=1, **policy), write=lambda _: None)
    started = time.perf_counter()
    assert session.run_source(text, "phases.ruff").ok
    return session, (time.perf_counter() - started) * 1000


def test_a_t0_phase_then_a_t2_phase_split_fibs_time():
    session, wall_ms = sampled(T0_THEN_T2.replace("LAST", "34"), threshold=30000)
    profile = session.tier_times()
    fib, script = profile.of("fib"), profile.of("<script>")
    assert fib.self_ms["T0"] > 0 and fib.self_ms["T2"] > 0 and fib.self_ms["compile"] > 0
    assert fib.self_ms["T1"] == 0
    # Every sample goes to one function's self time, and to the whole stack's total.
    assert sum(t.self_sum for t in profile.functions) == pytest.approx(profile.sampled_ms)
    for bucket in BUCKETS:
        assert sum(t.self_ms[bucket] for t in profile.functions) == pytest.approx(profile.buckets_ms[bucket])
        assert script.total_ms[bucket] == pytest.approx(profile.buckets_ms[bucket])   # always on the stack
        assert fib.total_ms[bucket] >= fib.self_ms[bucket]
    # Samples are weighted by the time between them: they add up to the run.
    assert 0.5 * wall_ms < profile.sampled_ms <= wall_ms
    # The interpreter's clock (hot spots' self time) leaves compiling out.
    compiled_ms = sum(e.detail["total_ms"] for e in session.events.since(0) if e.kind == "compiled")
    assert session.function("fib").self_ms < wall_ms - compiled_ms


def test_builtins_called_from_native_code_are_runtime_calls():
    session, _ = sampled(RUNTIME_CALLS, threshold=100)
    script = session.tier_times().of("<script>")
    running = {bucket: script.self_ms[bucket] for bucket in ("T0", "T1", "T2", "runtime")}   # (not compiling)
    assert running["runtime"] > 0 and max(running, key=running.get) == "runtime", running


def test_without_the_jit_everything_is_t0_and_nothing_samples_between_runs():
    session, _ = sampled(T0_THEN_T2.replace("LAST", "10"), jit=False)
    profile = session.tier_times()
    assert profile.samples > 0 and profile.buckets_ms["T0"] == pytest.approx(profile.sampled_ms)
    assert not session.sampler.running   # started for a run, stopped after it
    time.sleep(0.01)
    assert session.tier_times().samples == profile.samples


def test_no_sampler_no_tier_times():
    session = Session(Policy(jit=False), write=lambda _: None)
    session.run_source("print(1)\n", "x.ruff")
    assert session.tier_times() is None


def test_the_perf_map_names_each_unit(tmp_path, capsys):
    path = tmp_path / "fib.ruff"
    path.write_text(T0_THEN_T2.replace("LAST", "20"))
    assert main(["run", str(path), "--threshold", "100", "--perf-map"]) == 0
    lines = open(f"/tmp/perf-{os.getpid()}.map").read().splitlines()
    ours = [line for line in lines if " ruff:fib:T2#" in line]
    assert len(ours) >= 2, lines   # the unit and its entry function
    for line in ours:
        assert re.fullmatch(r"[0-9a-f]+ [0-9a-f]+ ruff:fib:T2#\d+(:entry)?", line), line
        start, size = (int(part, 16) for part in line.split()[:2])
        assert start > 0 and 0 < size < 1 << 16
    body, entry = sorted((int(line.split()[0], 16), int(line.split()[1], 16)) for line in ours[:2])
    assert body[0] + body[1] <= entry[0]   # (each unit's functions do not overlap)
