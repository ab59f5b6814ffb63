"""Measure ruffdbg on the Ruff reference's own programs.

Runs every ``.ruff`` program of the reference repository (path from the
``RUFF_REFERENCE`` environment variable, default ``/work/ruff-reference``)
through ``ruffdbg run --no-jit`` in a subprocess with a time limit, each in a
scratch working directory (some programs write files), and reports:

* goldens: programs with a ``.out`` beside them whose stdout matches exactly;
* programs that stop on a missing feature (a "not supported" diagnostic, or a
  syntax error the reference accepts) or on a missing builtin (an undefined
  name that the reference defines as a builtin: read from its ``src/``).

Stops that are not ruffdbg's gaps are counted apart, never as missing:

* *intended*: the program is meant to fail (the reference's malformed-input
  fuzz corpus and diagnostics fixtures, and a program that names an undefined
  variable, not a reference builtin, on purpose: its golden shows the error or
  its text says it is intentional, as the reference's error tests do);
* *rejected by the reference too*: syntax the reference's own lexer or parser
  refuses (``REFERENCE_REJECTS``, each with where the reference says so), and
  undefined names that are not reference builtins either (``pub``, ``fn``).

Usage: ``python -m tests.reference.corpus [--goldens-only] [--verbose] [-j N]``.
The reference's programs are only read, never copied into this project.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REFERENCE = "/work/ruff-reference"
TIME_LIMIT = 30.0   # (wall time: generous, so a loaded machine does not fail a golden)
UNDEFINED = re.compile(r"Undefined variable: (\w+)")
NOT_SUPPORTED = re.compile(r"error: (.*not supported.*)")
SYNTAX_ERROR = re.compile(r"^[^\n]*:\d+:\d+: error: (.*)$", re.M)


# Syntax errors whose construct the reference rejects as well (read in its
# src/lexer.rs and src/parser.rs), so a program stopping on one does not run
# there either: it is not a feature ruffdbg lacks.
REFERENCE_REJECTS = [
    # lexer.rs: a raw newline inside a string is "Unterminated string literal".
    (re.compile(r"Unterminated string"), "multi-line string"),
    # lexer.rs: the escapes are \n \t \r \\ \" \$ only; others are "Invalid escape sequence".
    (re.compile(r"Invalid escape sequence"), "unknown escape"),
    # lexer.rs: strings are double-quoted only.
    (re.compile(r"Invalid character '''"), "single-quoted string"),
    # lexer.rs has no `and`/`or` keywords: they are identifiers, and `if a and b {` fails.
    (re.compile(r"found '(and|or)'"), "`and`/`or` operator"),
    # parser.rs parse_for: the loop variable must be followed by `in` (no C-style for).
    (re.compile(r"Expected 'in' after the loop variable"), "C-style for"),
    # parser.rs parse_call: arguments are expressions; `name=value` keyword arguments do not parse.
    (re.compile(r"Assignment is a statement and cannot be used inside an expression"),
     "keyword argument / assignment in an expression"),
    # parser.rs parse_primary: `int`/`float`/`string`/`bool` are keywords it does not take
    # as an expression ("Expected expression"): no `int(x)` conversion call.
    (re.compile(r"is a type name and can only be used in type annotations"), "type keyword as a function"),
    # parser.rs: `if` is a statement only (no if-expression).
    (re.compile(r"Unexpected token 'if'"), "if-expression"),
    # parser.rs struct bodies: methods start with `func` (`fn` is an identifier).
    (re.compile(r"Expected a field or method in struct \w+, found '\('"), "`fn` method"),
]
# The reference's deliberately malformed inputs (fuzz corpora, diagnostics fixtures).
INTENDED_DIRS = ("fuzz/", "tests/fixtures/fuzz/", "tests/fixtures/diagnostics/")
_BUILTIN_DEFINITION = re.compile(r'NativeFunction\("(\w+)"')


def reference_builtins(root: Path) -> frozenset[str]:
    """The names the reference defines as builtins (its interpreter's environment)."""
    source = root / "src" / "interpreter" / "mod.rs"
    text = source.read_text(encoding="utf-8", errors="replace") if source.exists() else ""
    return frozenset(_BUILTIN_DEFINITION.findall(text))


def reference_root() -> Path:
    return Path(os.environ.get("RUFF_REFERENCE", DEFAULT_REFERENCE))


def all_programs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.ruff") if "target" not in p.parts)


def golden_programs(root: Path) -> list[Path]:
    return [p for p in all_programs(root) if p.with_suffix(".out").exists()]


@dataclass
class Outcome:
    program: Path
    status: int | None  # None: timed out
    stdout: str
    stderr: str

    @property
    def golden_passes(self) -> bool:
        golden = self.program.with_suffix(".out")
        # The goldens are stored with trailing whitespace trimmed.
        expected = golden.read_text(encoding="utf-8", errors="replace") if golden.exists() else None
        return expected is not None and self.stdout.rstrip() == expected.rstrip()

    def stop_kind(self, root: Path, builtins: frozenset[str]) -> str | None:
        """``missing`` (ruffdbg lacks it), ``intended`` (the program means to fail),
        ``rejected`` (the reference refuses it too), or None (no stop)."""
        reason = self.stop_reason
        if reason is None:
            return None
        relative = self.program.relative_to(root).as_posix() if self.program.is_relative_to(root) else ""
        if relative.startswith(INTENDED_DIRS):
            return "intended"
        kind, _, detail = reason.partition(": ")
        if kind == "undefined":
            if detail in builtins:
                return "missing"
            # Not a builtin there either: the reference stops on it too. On purpose
            # when its golden shows that error or the program says it means it.
            golden = self.program.with_suffix(".out")
            shown = golden.exists() and f"Undefined variable: {detail}" in golden.read_text(errors="replace")
            said = "intentional" in self.program.read_text(errors="replace").lower()
            return "intended" if shown or said else "rejected"
        if kind == "syntax" and any(pattern.search(detail) for pattern, _ in REFERENCE_REJECTS):
            return "rejected"
        return "missing"

    @property
    def stop_reason(self) -> str | None:
        """Why the program stopped on something ruffdbg may lack, or None."""
        if match := NOT_SUPPORTED.search(self.stderr):
            return "feature: " + match[1]
        if match := UNDEFINED.search(self.stderr):
            return "undefined: " + match[1]
        # A syntax error stops before any output and has no Ruff stack under it.
        if self.status == 1 and self.stdout == "" and "\n  at " not in self.stderr \
                and (match := SYNTAX_ERROR.search(self.stderr)):
            return "syntax: " + match[1]
        return None


def run_program(program: Path) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="ruffcorpus") as scratch:
        try:
            done = subprocess.run(
                [sys.executable, "-c", "import sys; from ruffdbg.cli import main; sys.exit(main())", "run", "--no-jit", str(program)],
                cwd=scratch, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIME_LIMIT,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            )
        except subprocess.TimeoutExpired as timeout:
            out = timeout.stdout.decode("utf-8", "replace") if timeout.stdout else ""
            return Outcome(program, None, out, "timed out")
    return Outcome(program, done.returncode, done.stdout.decode("utf-8", "replace"),
                   done.stderr.decode("utf-8", "replace"))


def run_all(programs: list[Path], jobs: int = 2) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_program, programs))


def summarize(outcomes: list[Outcome], root: Path, verbose: bool) -> str:
    goldens = [o for o in outcomes if o.program.with_suffix(".out").exists()]
    passing = [o for o in goldens if o.golden_passes]
    builtins = reference_builtins(root)
    every_stop = [(o, o.stop_reason, o.stop_kind(root, builtins)) for o in outcomes if o.stop_reason]
    stopped = [(o, r) for o, r, kind in every_stop if kind == "missing"]
    reasons = Counter(r for _, r in stopped)
    apart = Counter(kind for _, _, kind in every_stop if kind != "missing")
    lines = [
        f"reference: {root}",
        f"goldens passing: {len(passing)} / {len(goldens)}",
        f"programs stopping on a missing feature or builtin: {len(stopped)} / {len(outcomes)}",
        "  of which: " + ", ".join(f"{kind} {count}" for kind, count in
                                   Counter(reason.split(":")[0] for _, reason in stopped).most_common()),
        f"stops that are not ruffdbg's gaps: {apart['intended']} intended errors, "
        f"{apart['rejected']} rejected by the reference too",
        f"timed out: {sum(o.status is None for o in outcomes)}",
        "missing, most common first:",
    ]
    lines += [f"  {count:4}  {reason}" for reason, count in reasons.most_common(25)]
    if verbose:
        lines.append("stops counted apart:")
        lines += [f"  {kind:9} {o.program.relative_to(root)}  ({reason})"
                  for o, reason, kind in every_stop if kind != "missing"]
    if verbose:
        lines.append("failing goldens:")
        lines += [f"  {o.program.relative_to(root)}  ({o.stop_reason or o.stderr.strip().splitlines()[-1:] or 'output differs'})"
                  for o in goldens if not o.golden_passes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goldens-only", action="store_true")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("programs", nargs="*", help="only these programs")
    args = parser.parse_args(argv)
    root = reference_root()
    if not root.exists():
        print(f"no reference at {root} (set RUFF_REFERENCE)", file=sys.stderr)
        return 2
    programs = ([Path(p) for p in args.programs] or
                (golden_programs(root) if args.goldens_only else all_programs(root)))
    print(summarize(run_all(programs, args.jobs), root, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
