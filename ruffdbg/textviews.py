"""Text renderings of Session data, shared by the front ends (CLI, REPL, TUI).

Tables are drawn with Rich into a string, so a caller decides where they go
and tests can compare them. A run's ending and a usage error are rendered here
too, once for every front end.
"""

from __future__ import annotations

import io
from typing import Callable

from rich import box
from rich.console import Console
from rich.table import Table

from ruffdbg.lang.diagnostics import Source, render_runtime_error
from ruffdbg.session import HOT_CALLS, HOT_TIME_SHARE, RunResult, Session
from ruffdbg.vm.sampler import BUCKETS, TierProfile


class UsageError(Exception):
    """The user asked for something that cannot be done (a bad argument, a missing
    function or file): the CLI prints it with its usage line and exits 2, the REPL
    prints ``error: <message>``."""


def render_result(result: RunResult, source: Source | None,
                  sources: Callable[[str], Source | None] | None = None) -> str | None:
    """How a run ended, as the user sees it: the uncaught error or the interruption
    with its Ruff stack (``file:line:col: error: ...``), or None when it ended normally.
    ``sources``: each frame named by (and its caret drawn in) its own source."""
    if result.error is not None:
        return render_runtime_error(result.error.message, result.error.stack, source, sources=sources)
    if result.interrupted is not None:
        return render_runtime_error(result.interrupted.reason, result.interrupted.stack, source,
                                    label="interrupted", sources=sources)
    return None


def describe_exit(result: RunResult) -> str | None:
    """``exit(3)`` called, for the front ends that go on after a run (REPL, TUI)."""
    return None if result.exit_status is None else f"the program called exit({result.exit_status})"


def render_tables(*tables: Table, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    for table in tables:
        console.print(table)
    return buffer.getvalue().rstrip() + "\n"


def hotspots_report(session: Session) -> str:
    """Hot functions (time share, calls), hot loops, type stability with JIT candidates,
    and the inline caches that saw more than one shape."""
    spots = session.hotspots()
    rule = session.stability
    functions = Table(title="Hot functions", box=box.SIMPLE, title_justify="left")
    for column in ("function", "line", "time %", "self ms", "calls", "stability", "tier", "JIT candidate"):
        functions.add_column(column, justify="left" if column in ("function", "tier", "JIT candidate") else "right")
    for spot in spots:
        s = spot.stats
        verdict = "yes" if spot.candidate else ("hot, unstable types" if spot.hot else "-")
        functions.add_row(
            s.name, str(s.first_line), f"{spot.time_share * 100:.1f}", f"{s.self_ms:.1f}", str(s.calls),
            f"{s.stability * 100:.0f}%", s.tier + (f" ({s.compiling})" if s.compiling else ""), verdict,
        )

    loops = Table(title="Hot loops", box=box.SIMPLE, title_justify="left")
    for column in ("function", "line", "iterations"):
        loops.add_column(column, justify="right" if column != "function" else "left")
    all_loops = [(spot.stats.name, loop) for spot in spots for loop in spot.stats.loops]
    for name, loop in sorted(all_loops, key=lambda item: item[1].iterations, reverse=True):
        loops.add_row(name, str(loop.line), str(loop.iterations))

    types = Table(title=f"Type profiles (stable: {rule.describe()})", box=box.SIMPLE,
                  title_justify="left")
    for column in ("function", "variable", "types", "samples", "stable"):
        types.add_column(column)
    for spot in spots:
        for profile in spot.stats.args + spot.stats.locals:
            if not profile.samples:
                continue
            types.add_row(spot.stats.name, profile.name, profile.shares(), str(profile.samples),
                          "yes" if profile.stable else "no")

    legend = (f"hot: > {HOT_TIME_SHARE:.0%} of time or > {HOT_CALLS} calls; "
              f"stable: >= {rule.share:.0%} of type samples at their site's main type")
    tiers = tier_time_table(session.tier_times())
    caches = polymorphic_ic_table(spots)
    return (render_tables(functions, *([tiers] if tiers is not None else []), loops, types,
                          *([caches] if caches is not None else [])) + legend + "\n")


def polymorphic_ic_table(spots) -> Table | None:
    """The inline-cache sites that saw more than one shape (where a JIT could not
    specialize on one), most hits first; None when every site is monomorphic."""
    sites = [(spot.stats.name, site) for spot in spots for site in spot.stats.ics if site.state in ("poly", "mega")]
    if not sites:
        return None
    table = Table(title="Inline caches not monomorphic", box=box.SIMPLE, title_justify="left")
    for column in ("function", "line", "site", "state", "shapes (hits)"):
        table.add_column(column, justify="right" if column == "line" else "left")
    for name, site in sorted(sites, key=lambda item: item[1].hits, reverse=True):
        table.add_row(name, str(site.line), site.text, site.summary, site.shares())
    return table


def tier_time_table(profile: TierProfile | None, limit: int = 20) -> Table | None:
    """Sampled time per function: self time split by where it ran (T0, T1, T2,
    compiling it, runtime calls from its native code), and total time."""
    if profile is None or not profile.samples:
        return None
    title = (f"Time per tier (sampled every {profile.interval_ms:g} ms: {profile.samples:,} samples, "
             f"{profile.sampled_ms:,.1f} ms)")
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    table.add_column("function")
    for column in ("self ms", *(f"{bucket} %" for bucket in BUCKETS), "total ms"):
        table.add_column(column, justify="right")
    for t in profile.functions[:limit]:
        own = t.self_sum
        shares = [f"{t.self_ms[bucket] / own * 100:.1f}" if own and t.self_ms[bucket] else "-" for bucket in BUCKETS]
        table.add_row(t.function, f"{own:,.1f}", *shares, f"{t.total_sum:,.1f}")
    total = profile.sampled_ms or 1.0
    table.add_row("(all)", f"{profile.sampled_ms:,.1f}",
                  *(f"{profile.buckets_ms[bucket] / total * 100:.1f}" if profile.buckets_ms[bucket] else "-"
                    for bucket in BUCKETS), "", style="bold")
    return table


def assumptions_lines(units) -> list[str]:
    """A function's units (``Session.assumptions``) and what each assumes, one line
    per assumption: kind, what, how it is enforced, where."""
    lines = []
    for unit in units:
        where = f"OSR loop at line {unit.loop_line}" if unit.loop_line is not None else "whole function"
        lines.append(f"unit #{unit.unit} {unit.tier} {where} ({'current' if unit.current else 'retired'}):")
        lines += [f"  {a.kind:<17} {a.what}  [{a.enforced}; line {a.line}, pc {a.pc}]" for a in unit.assumptions]
        if not unit.assumptions:
            lines.append("  (assumes nothing)")
        lines += [f"  {site.text()}" for site in (*unit.generic_sites, *unit.inline_sites)]
    return lines


def deopt_lines(groups) -> list[str]:
    """Deopt explorer groups (``Session.deopt_groups``), two lines each: what happened
    how often and when, where (line, pc, guard, exit; for an inline cache's
    transition the shape that caused it), then the reason."""
    lines = []
    for group in groups:
        where = [f"line {group.line}" if group.line is not None else "", f"pc {group.pc}" if group.pc is not None else ""]
        if group.guard is not None:
            where.append(f"guard #{group.guard} {group.guard_kind or ''}".rstrip())
        if group.exit_block:
            where.append(f"exit {group.exit_block}")
        if group.cause:
            where.append(f"by {group.cause}")
        units = sorted({exit_.unit for exit_ in group.exits if exit_.unit is not None})
        if units:
            earlier = f" and {group.earlier_exits} earlier exits" if group.earlier_exits else ""
            where.append("unit " + ", ".join(f"#{unit}" for unit in units) + earlier)
        lines.append((f"{group.kind:<13} {group.function:<16} x{group.count:<6} {group.tier or '':<3} "
                      f"first {group.first_ms:.1f} ms, last {group.last_ms:.1f} ms  "
                      + ", ".join(part for part in where if part)).rstrip())
        lines.append(f"    {group.reason}")
    return lines
