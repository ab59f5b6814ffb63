"""Files other tools read: the ``--stats-json`` document (with its schema
version), the event log as a Chrome / Perfetto trace (``--trace-out``), and the
``perf`` symbol map (``--perf-map``, via ``jit.perfmap``).

Documents are built from Session records here and only written at the edge
(``write_json``); an output path is checked before the program runs
(``check_output_path``), so a missing folder is a one-line error (exit 2), not
a traceback after a long run.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ruffdbg.core.events import Event
from ruffdbg.jit.engine import STAGES
from ruffdbg.session import Session
from ruffdbg.files import FileError, describe_os_error
from ruffdbg.profile import report
from ruffdbg.vm.sampler import BUCKETS, TierProfile

# The --stats-json layout's version: raised whenever a field is renamed, removed or
# changes meaning (adding a field keeps it). README.md documents every field.
STATS_SCHEMA = 2   # 2: inline caches (`ics` per function, `ic` events)
STDOUT = "-"

# The trace's tracks (Chrome trace "threads" of one process).
PID = 1
COMPILER_TID = 1
FIRST_FUNCTION_TID = 10


def check_output_path(path: str | None, flag: str) -> None:
    """Refuse, before anything runs, a path that cannot be written: its folder is
    missing or it is a folder. (``-`` is standard output.)"""
    if path is None or path == STDOUT:
        return
    target = Path(path)
    if target.is_dir():
        raise FileError(f"{flag} {path}: is a folder, not a file")
    if not target.parent.is_dir():
        raise FileError(f"{flag} {path}: no such folder: {target.parent}")


def write_json(path: str, document: dict, flag: str) -> None:
    """Write ``document`` to ``path`` (``-``: standard output)."""
    text = json.dumps(document, indent=2) + "\n"
    if path == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text)
    except OSError as error:
        raise FileError(f"{flag} {describe_os_error(Path(path), error, 'write')}") from None


# ------------------------------------------------------------------ stats


def event_json(event: Event) -> dict:
    """One event: its own fields, and what the JIT said about it under ``detail``
    (so no detail can hide one of the event's own fields)."""
    return {"seq": event.seq, "time_ms": round(event.time_ms, 3), "kind": event.kind, "function": event.function,
            "tier": event.tier, "pc": event.pc, "line": event.line, "detail": dict(event.detail)}


def tier_time_json(profile: TierProfile | None) -> dict | None:
    if profile is None:
        return None
    return {
        "interval_ms": profile.interval_ms,
        "samples": profile.samples,
        "buckets_ms": {name: round(ms, 3) for name, ms in profile.buckets_ms.items()},
        "functions": {t.function: {"line": t.line,
                                   "self_ms": {name: round(t.self_ms[name], 3) for name in BUCKETS},
                                   "total_ms": {name: round(t.total_ms[name], 3) for name in BUCKETS}}
                      for t in profile.functions},
    }


def stats_document(session: Session) -> dict:
    """The --stats-json document (schema ``STATS_SCHEMA``; README.md, "--stats-json")."""
    return {"schema": STATS_SCHEMA, "functions": functions_json(session),
            "tier_time": tier_time_json(session.tier_times()),
            "events": [event_json(event) for event in session.events.since(0)],
            "code_cache": session.code_cache_stats()}


def functions_json(session: Session) -> dict:
    """Per function: tier, calls, loops, type profiles, inline caches, compiles,
    guards and each unit's assumptions (the --stats-json "functions")."""
    functions = {}
    for s in session.functions():
        functions[s.name] = {
            "tier": s.tier,
            "state": s.state,
            "reason": s.reason,
            "calls": s.calls,
            "self_ms": round(s.self_ms, 3),
            "total_ms": round(s.total_ms, 3),
            "loops": [{"line": loop.line, "pc": loop.header_pc, "iterations": loop.iterations,
                       "native_iterations": loop.native_iterations}
                      for loop in s.loops],
            "args": [_profile_json(p) for p in s.args],
            "locals": [_profile_json(p) for p in s.locals],
            "sites": [{"pc": site.pc, "line": site.line, "op": site.opcode, "state": site.state,
                       "types": [{"types": list(key), "count": n} for key, n in site.counts.items()]}
                      for site in s.sites],
            "ics": [{"pc": ic.pc, "line": ic.line, "kind": ic.kind, "site": ic.text, "state": ic.state,
                     "shapes": [{"shape": name, "hits": n} for name, n in ic.shapes], "others": ic.others}
                    for ic in s.ics],
            "stability": round(s.stability, 4),
            "deopts": s.deopts,
            "despecializations": s.despecializations,
            "compiles": [{"tier": c.tier, "ms": c.ms, "types": list(c.param_types), "valid": c.valid,
                          "cached": c.cached} for c in s.compiles],
            "guards": [{"id": g.id, "kind": g.kind, "pc": g.pc, "line": g.line, "detail": g.detail,
                        "pass": g.passed, "fail": g.failed} for g in s.guards],
            "units": [{"unit": u.unit, "tier": u.tier, "loop_line": u.loop_line, "current": u.current,
                       "assumptions": [asdict(a) for a in u.assumptions],
                       "generic_sites": [asdict(g) for g in u.generic_sites]}
                      for u in session.assumptions(s.name)],
            "generic_sites": [asdict(g) for g in s.generic_sites],
        }
    return functions


def _profile_json(profile: report.TypeProfile) -> dict:
    return {
        "name": profile.name, "types": profile.counts, "samples": profile.samples,
        "dominant": profile.dominant, "share": round(profile.share, 4), "stable": profile.stable,
    }


# ------------------------------------------------------------------ trace


def trace_document(session: Session, title: str) -> dict:
    """The event log in Chrome's trace event format (JSON object form), which
    chrome://tracing and ui.perfetto.dev open: each compile a complete ("X")
    slice on the compiler track with a child slice per stage (IR build,
    optimization, code generation), every other event an instant ("i") on its
    function's track. Times are microseconds since the session began."""
    events = session.events.since(0)
    tracks = _function_tracks(events)
    trace: list[dict] = [_meta("process_name", 0, f"ruffdbg {title}"), _meta("thread_name", COMPILER_TID, "compiler"),
                         _meta("thread_sort_index", COMPILER_TID, 0, key="sort_index")]
    for name, tid in tracks.items():
        trace += [_meta("thread_name", tid, name), _meta("thread_sort_index", tid, tid, key="sort_index")]
    for event in events:
        if event.kind == "compiled" and "total_ms" in event.detail:
            trace += _compile_slices(event)
        else:
            trace.append(_instant(event, tracks[event.function]))
    return {"traceEvents": trace, "displayTimeUnit": "ms",
            "otherData": {"program": title, "events": len(events), "first_seq": events[0].seq if events else 0}}


def _function_tracks(events: list[Event]) -> dict[str, int]:
    tracks: dict[str, int] = {}
    for event in events:
        tracks.setdefault(event.function, FIRST_FUNCTION_TID + len(tracks))
    return tracks


def _meta(name: str, tid: int, value: Any, key: str = "name") -> dict:
    return {"name": name, "ph": "M", "pid": PID, "tid": tid, "args": {key: value}}


def _compile_slices(event: Event) -> list[dict]:
    """A compile's slice ends when its event was logged; its stages follow each other."""
    detail = event.detail
    total_us = detail["total_ms"] * 1000
    start = event.time_ms * 1000 - total_us
    args = {"function": event.function, "tier": event.tier, **detail}
    slices = [{"name": f"compile {event.function} {event.tier}", "cat": "compile", "ph": "X", "ts": round(start, 3),
               "dur": round(total_us, 3), "pid": PID, "tid": COMPILER_TID, "args": args}]
    for stage in STAGES:
        us = detail.get(f"{stage}_ms", 0) * 1000
        slices.append({"name": stage, "cat": "compile", "ph": "X", "ts": round(start, 3), "dur": round(us, 3),
                       "pid": PID, "tid": COMPILER_TID, "args": {"function": event.function}})
        start += us
    return slices


def _instant(event: Event, tid: int) -> dict:
    name = f"{event.kind} {event.tier}" if event.kind in ("tier-up", "osr", "despecialized") and event.tier else event.kind
    args = {"seq": event.seq, "tier": event.tier, "pc": event.pc, "line": event.line, "detail": dict(event.detail)}
    return {"name": name, "cat": event.kind, "ph": "i", "s": "t", "ts": round(event.time_ms * 1000, 3),
            "pid": PID, "tid": tid, "args": args}
