"""The compile history as text, for the CLI and the REPL: the table of a
function's compiles, the diff of two compiles, a compile's optimizer pass by
pass. (The records come from ``Session.compiles`` / ``compile_diff`` /
``compile_passes``; the TUI draws the same records itself.)"""

from __future__ import annotations

from typing import Any

COLUMNS = ("id", "tier", "kind", "trigger", "types", "guards", "state", "ms")


def guards_cell(compile_: Any) -> str:
    """"N: P pass / F fail" (live counts, summed over the compile's guards)."""
    passed = sum(g.passed for g in compile_.guards)
    failed = sum(g.failed for g in compile_.guards)
    return f"{len(compile_.guards)}: {passed:,} pass / {failed:,} fail"


def compile_row(compile_: Any) -> tuple[str, ...]:
    return (f"#{compile_.id}", compile_.tier, compile_.kind_text, compile_.trigger_text,
            ", ".join(compile_.types) or "()", guards_cell(compile_), compile_.state_text,
            f"{compile_.ms.get('total', 0.0):.1f}")


def compiles_table(name: str, compiles: list) -> str:
    if not compiles:
        return f"{name} has no compiles yet (it has not got hot)"
    rows = [COLUMNS, *(compile_row(c) for c in compiles)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [f"compiles of {name}, oldest first:"]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def describe(compile_: Any) -> str:
    ms = ", ".join(f"{stage} {value:.1f}" for stage, value in compile_.ms.items())
    return (f"#{compile_.id}: {compile_.function} at {compile_.tier}, {compile_.kind_text}, {compile_.trigger_text}; "
            f"{compile_.state_text}; ms: {ms}")


def diff_text(diff: Any) -> str:
    a, b = diff.a, diff.b
    lines = [f"compile #{a.id} against #{b.id}", "  " + describe(a), "  " + describe(b), "types:"]
    if diff.types:
        lines += [f"  {ta or '(none)'}  ->  {tb or '(none)'}" for _, ta, tb in diff.types]
    else:
        lines.append(f"  the same: {', '.join(a.types) or '()'}")
    lines.append(f"guards (- only in #{a.id}, + only in #{b.id}):")
    for guard in diff.guards:
        mark = " " if guard.in_a and guard.in_b else ("-" if guard.in_a else "+")
        lines.append(f"  {mark} {guard.kind:<16} line {guard.line:<4} {guard.detail}")
    lines.append("optimized IR (addresses shown as ADDR and their alignment as _, unit names as @ruff_N):")
    lines += [f"  {line}" for line in diff.ir] or ["  the same"]
    return "\n".join(lines)


def passes_text(report: Any) -> str:
    compile_ = report.compile
    changed = report.changed
    total = sum(step.ms for step in report.passes)
    llvm_ms = compile_.ms.get("optimize", 0.0)
    lines = [f"; compile #{compile_.id}: {compile_.function}({', '.join(compile_.types)}) at {compile_.tier}, "
             f"{compile_.kind_text}: the optimizer pass by pass",
             f"; {report.note}",
             f"; {len(report.passes)} passes, {total:.2f} ms in all (LLVM's pipeline took {llvm_ms:.1f} ms "
             f"for this compile); {len(changed)} changed the IR"]
    for section in report.folded():
        if isinstance(section, list):
            lines.append(f"; (no change: {', '.join(section)})")
            continue
        lines.append(f"=== {section.name}  {section.ms:.3f} ms")
        lines += list(section.diff[2:])   # (the ---/+++ header says nothing the title does not)
    return "\n".join(lines)
