"""Exports (issue 13, item 5): the trace for Chrome/Perfetto, --stats-json with its
schema and ``-``, bad output paths; and the hot spots' time per tier."""

from __future__ import annotations

import json

import pytest

from ruffdbg.jit.engine import STAGES
from ruffdbg.exports import STATS_SCHEMA
from tests.test_cli import FIB, run, write

# poly compiles for ints, then floats fail its type guard: compiles, tier changes, deopts.
DEOPTS = """func poly(x) { return x * 2 + 1 }
mut acc := 0
for i in 300 { acc := acc + poly(i) }
print(acc)
print(poly(0.5))
"""


def test_trace_out_has_compile_slices_and_instant_events(tmp_path, capsys):
    trace_path = tmp_path / "trace.json"
    status, out, _ = run(capsys, "run", write(tmp_path, DEOPTS), "--threshold", "100", "--trace-out", str(trace_path))
    assert (status, out) == (0, "90000\n2\n")
    events = json.loads(trace_path.read_text())["traceEvents"]
    tracks = {e["args"]["name"]: e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert set(tracks) >= {"compiler", "poly"}
    compiles = [e for e in events if e["ph"] == "X" and e["cat"] == "compile" and e["name"].startswith("compile ")]
    assert [e["name"] for e in compiles][:1] == ["compile poly T2"]
    whole = compiles[0]
    assert whole["tid"] == tracks["compiler"] and whole["dur"] > 0 and whole["args"]["types"] == "x: int"
    stages = [e for e in events if e["ph"] == "X" and e["name"] in STAGES][:len(STAGES)]
    assert [s["name"] for s in stages] == list(STAGES)
    assert stages[0]["ts"] == whole["ts"] and stages[-1]["ts"] + stages[-1]["dur"] == pytest.approx(whole["ts"] + whole["dur"], abs=0.01)
    instants = {e["name"]: e for e in events if e["ph"] == "i"}
    assert {"tier-up T2", "deopt"} <= set(instants)
    deopt = instants["deopt"]
    assert deopt["tid"] == tracks["poly"] and deopt["s"] == "t" and deopt["args"]["detail"]["guard_kind"] == "type"
    assert deopt["ts"] > whole["ts"] + whole["dur"]   # (microseconds, in order)


def test_stats_json_has_a_schema_and_deopts_keep_their_kind(tmp_path, capsys):
    stats_path = tmp_path / "stats.json"
    assert run(capsys, "run", write(tmp_path, DEOPTS), "--threshold", "100", "--stats-json", str(stats_path))[0] == 0
    stats = json.loads(stats_path.read_text())
    assert stats["schema"] == STATS_SCHEMA and set(stats) == {"schema", "functions", "tier_time", "events", "code_cache"}
    assert stats["tier_time"] is None   # (run samples only with --sample-ms)
    deopt = next(e for e in stats["events"] if e["kind"] == "deopt")
    assert deopt["function"] == "poly" and deopt["detail"]["guard_kind"] == "type"
    assert deopt["detail"]["reason"] == "x: expected int, got float"


def test_stats_json_to_stdout_sends_the_programs_output_to_stderr(tmp_path, capsys):
    status, out, err = run(capsys, "run", write(tmp_path, FIB), "--stats-json", "-", "--sample-ms", "1")
    assert status == 0 and err == "6765\n"
    stats = json.loads(out)
    assert stats["schema"] == STATS_SCHEMA and stats["functions"]["fib"]["calls"] == 21891
    tier_time = stats["tier_time"]
    assert tier_time["interval_ms"] == 1 and set(tier_time["buckets_ms"]) == {"T0", "T1", "T2", "compile", "runtime"}


@pytest.mark.parametrize("flag", ["--stats-json", "--trace-out"])
def test_a_missing_folder_is_a_usage_error_before_the_run(tmp_path, capsys, flag):
    status, out, err = run(capsys, "run", write(tmp_path, FIB), flag, str(tmp_path / "no" / "such" / "x.json"))
    assert (status, out) == (2, "")
    assert err.splitlines()[-1] == f"ruffdbg: error: {flag} {tmp_path / 'no' / 'such' / 'x.json'}: no such folder: " \
                                   f"{tmp_path / 'no' / 'such'}"
    status, _, err = run(capsys, "hotspots", write(tmp_path, FIB), "--trace-out", str(tmp_path))
    assert status == 2 and err.splitlines()[-1].endswith("is a folder, not a file")


def test_hotspots_show_time_per_tier(tmp_path, capsys):
    trace_path = tmp_path / "trace.json"
    status, out, _ = run(capsys, "hotspots", write(tmp_path, FIB), "--trace-out", str(trace_path))
    assert status == 0 and json.loads(trace_path.read_text())["traceEvents"]
    table = out[out.index("Time per tier (sampled every 1 ms"):out.index("Hot loops")]
    header = next(line for line in table.splitlines() if "self ms" in line).split()
    assert header == ["function", "self", "ms", "T0", "%", "T1", "%", "T2", "%", "compile", "%", "runtime", "%",
                      "total", "ms"]
    fib = next(line for line in table.splitlines() if line.strip().startswith("fib ")).split()
    shares = [float(cell) if cell != "-" else 0.0 for cell in fib[2:7]]
    assert sum(shares) == pytest.approx(100, abs=0.3)
