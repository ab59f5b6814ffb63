"""``.rdbg`` scripted sessions: REPL transcripts replayed and compared.

The format (like a doctest, or LLVM's lit + FileCheck):

    # a comment (only at the start of a line, and not inside expected output)
    ruff> func fib(n) {
    ...>     if n < 2 { return n }
    ...>     return fib(n - 1) + fib(n - 2)
    ...> }
    ruff> fib(20)
    6765
    ruff> :tiers
    fib              {{T[12]}}  ...

* ``ruff> `` starts an input, ``...> `` continues it;
* the lines below an input are the output expected from it, exactly;
* a line that is just ``...`` matches any number of lines (none included);
* ``{{regex}}`` inside a line matches what the regular expression matches.

Each file is replayed in a fresh Shell (a fresh Session). ``ruffdbg test``
prints a unified diff for a mismatch; ``--update`` rewrites the expectations.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruffdbg.repl.commands import Shell

PROMPT = "ruff> "
CONTINUATION = "...> "
ANY_LINES = "..."


@dataclass
class Step:
    source: list[str]          # input lines, without prompts
    expected: list[str]        # expected output lines
    comments: list[str] = field(default_factory=list)   # comment lines before it
    line: int = 0              # where it starts in the file

    @property
    def text(self) -> str:
        return "\n".join(self.source)


@dataclass
class StepResult:
    step: Step
    actual: list[str]
    ok: bool


def parse_transcript(text: str) -> list[Step]:
    steps: list[Step] = []
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith(PROMPT.rstrip()) and (raw == PROMPT.rstrip() or raw.startswith(PROMPT)):
            steps.append(Step([raw[len(PROMPT):]], [], comments, number))
            comments = []
        elif raw.startswith(CONTINUATION.rstrip()) and steps and not steps[-1].expected:
            steps[-1].source.append(raw[len(CONTINUATION):])
        elif raw.startswith("#") and (not steps or not steps[-1].expected or raw.startswith("# ")):
            comments.append(raw)
        elif steps:
            steps[-1].expected.append(raw)
        elif raw.strip():
            raise ValueError(f"line {number}: output before the first '{PROMPT.strip()}' input")
    if comments and steps:
        steps[-1].comments_after = comments   # trailing comments, kept by --update
    return steps


def line_matches(expected: str, actual: str) -> bool:
    if "{{" not in expected:
        return expected.rstrip() == actual.rstrip()
    pattern = ""
    for index, piece in enumerate(re.split(r"\{\{(.*?)\}\}", expected.rstrip())):
        pattern += piece if index % 2 else re.escape(piece)
    return re.fullmatch(pattern, actual.rstrip()) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """Match with ``...`` standing for any run of lines (backtracking, inputs are small)."""
    if not expected:
        return not actual
    if expected[0].strip() == ANY_LINES:
        return any(lines_match(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and line_matches(expected[0], actual[0]) and lines_match(expected[1:], actual[1:])


def replay(steps: list[Step], shell: Shell | None = None) -> list[StepResult]:
    shell = shell or Shell()
    results = []
    try:
        for step in steps:
            output = shell.execute(step.text)
            actual = output.splitlines()
            results.append(StepResult(step, actual, lines_match(step.expected, actual)))
    finally:
        shell.close()   # (a program a JIT breakpoint left paused)
    return results


def render(results: list[StepResult], use_actual: bool) -> str:
    """The transcript as text: with the expectations, or (``--update``) the actual output."""
    out = []
    for result in results:
        out.extend(result.step.comments)
        out.append(PROMPT + result.step.source[0])
        out.extend(CONTINUATION + line for line in result.step.source[1:])
        keep = result.step.expected if result.ok or not use_actual else result.actual
        out.extend(keep)
    trailing = getattr(results[-1].step, "comments_after", []) if results else []
    return "\n".join(out + trailing) + "\n"


def report(path: Path, results: list[StepResult]) -> str:
    """A unified diff for every step whose output did not match."""
    chunks = []
    for result in results:
        if result.ok:
            continue
        header = f"{path}:{result.step.line}: {PROMPT}{result.step.source[0]}"
        diff = difflib.unified_diff(result.step.expected, result.actual, "expected", "actual", lineterm="")
        chunks.append(header + "\n" + "\n".join(diff))
    return "\n\n".join(chunks)


def run_file(path: Path, update: bool = False) -> tuple[bool, str]:
    """Replay one transcript; returns (passed, diff report). ``update`` rewrites it."""
    results = replay(parse_transcript(path.read_text(encoding="utf-8")))
    passed = all(result.ok for result in results)
    if update and not passed:
        path.write_text(render(results, use_actual=True), encoding="utf-8")
    return passed, report(path, results)


def transcript_files(paths: list[str]) -> list[Path]:
    found = []
    for name in paths:
        path = Path(name)
        found.extend(sorted(path.rglob("*.rdbg")) if path.is_dir() else [path])
    return found
