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
prints a unified diff for a mismatch; ``--update`` rewrites the expectations
of the failing steps, line by line: ``...`` and ``{{regex}}`` lines that still
match stay as they are, only the lines that fail become the actual text.
A ``{{regex}}`` that does not compile is reported with its file and line.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruffdbg.files import FileError, describe_os_error, read_text_file
from ruffdbg.repl.commands import Shell
from ruffdbg.session import Policy

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


class TranscriptError(ValueError):
    """A transcript that cannot be replayed: ``line`` is where (1-based)."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


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
            _check_patterns(raw, number)
            steps[-1].expected.append(raw)
        elif raw.strip():
            raise TranscriptError(number, f"output before the first '{PROMPT.strip()}' input")
    if comments and steps:
        steps[-1].comments_after = comments   # trailing comments, kept by --update
    return steps


def _check_patterns(expected: str, number: int) -> None:
    if "{{" in expected:
        try:
            _pattern(expected.rstrip())
        except re.error as error:
            raise TranscriptError(number, f"bad {{{{regex}}}}: {error}") from None


@functools.lru_cache(maxsize=1024)
def _pattern(expected: str) -> re.Pattern:
    """An expected line with ``{{regex}}`` parts as one regular expression."""
    pattern = ""
    for index, piece in enumerate(re.split(r"\{\{(.*?)\}\}", expected)):
        pattern += piece if index % 2 else re.escape(piece)
    return re.compile(pattern)


def line_matches(expected: str, actual: str) -> bool:
    if "{{" not in expected:
        return expected.rstrip() == actual.rstrip()
    return _pattern(expected.rstrip()).fullmatch(actual.rstrip()) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """Match with ``...`` standing for any run of lines (backtracking, inputs are small)."""
    if not expected:
        return not actual
    if expected[0].strip() == ANY_LINES:
        return any(lines_match(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and line_matches(expected[0], actual[0]) and lines_match(expected[1:], actual[1:])


def updated_lines(expected: list[str], actual: list[str]) -> list[str]:
    """The expectation rewritten for ``actual`` with the fewest changed lines: an
    alignment (like a diff) in which a ``...`` takes any run of lines and a line
    (literal or ``{{regex}}``) that matches its actual line stays; the lines that
    do not match are replaced by the actual ones, written so they read literally."""
    rows, cols = len(expected), len(actual)
    # cost[i][j]: fewest changed lines to expect actual[j:] with expected[i:]
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows, -1, -1):
        for j in range(cols, -1, -1):
            if i == rows:
                cost[i][j] = cols - j
                continue
            if expected[i].strip() == ANY_LINES:
                cost[i][j] = min(cost[i + 1][j], cost[i][j + 1] if j < cols else cost[i + 1][j])
                continue
            best = 1 + cost[i + 1][j]                     # drop the expected line
            if j < cols:
                best = min(best, 1 + cost[i][j + 1], 1 + cost[i + 1][j + 1])   # add, or replace by, the actual
                if line_matches(expected[i], actual[j]):
                    best = min(best, cost[i + 1][j + 1])  # keep the expected line
            cost[i][j] = best
    out, i, j = [], 0, 0
    while i < rows or j < cols:
        if i < rows and expected[i].strip() == ANY_LINES:
            if j < cols and cost[i][j] == cost[i][j + 1]:
                j += 1                                    # the ... takes this line
            else:
                out.append(expected[i])
                i += 1
        elif i < rows and j < cols and line_matches(expected[i], actual[j]) and cost[i][j] == cost[i + 1][j + 1]:
            out.append(expected[i])
            i, j = i + 1, j + 1
        elif i < rows and j < cols and cost[i][j] == 1 + cost[i + 1][j + 1]:
            out.append(_literal(actual[j]))               # replaced
            i, j = i + 1, j + 1
        elif j < cols and cost[i][j] == 1 + cost[i][j + 1]:
            out.append(_literal(actual[j]))               # added
            j += 1
        else:
            i += 1                                        # dropped
    return out


def _literal(line: str) -> str:
    """An actual line as an expectation that matches exactly it (``{{`` and a lone
    ``...`` would otherwise be read as patterns)."""
    if line.strip() == ANY_LINES:
        return "{{" + re.escape(line) + "}}"
    return line.replace("{{", "{{\\{\\{}}")


def replay(steps: list[Step], shell: Shell | None = None) -> list[StepResult]:
    # (no code cache by default: a replay shows the same every time, and the views
    # say when code came from the cache)
    shell = shell or Shell(Policy(code_cache=False))
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
        keep = result.step.expected if result.ok or not use_actual else updated_lines(result.step.expected,
                                                                                     result.actual)
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


def run_file(path: Path, update: bool = False, code_cache: bool | str = False) -> tuple[bool, str]:
    """Replay one transcript; returns (passed, diff report). ``update`` rewrites it;
    ``code_cache``: the code cache its session uses (``Policy.code_cache``; none by default)."""
    results = replay(parse_transcript(read_text_file(path, ".rdbg transcript")), Shell(Policy(code_cache=code_cache)))
    passed = all(result.ok for result in results)
    if update and not passed:
        try:
            path.write_text(render(results, use_actual=True), encoding="utf-8")
        except OSError as error:
            raise FileError(describe_os_error(path, error, "update")) from None
    return passed, report(path, results)


def transcript_files(paths: list[str]) -> list[Path]:
    """The transcripts ``paths`` name (a folder: every ``*.rdbg`` under it), each
    readable as text, or a ``FileError`` for the first path that is not."""
    found = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            inside = sorted(path.rglob("*.rdbg"))
            if not inside:
                raise FileError(f"no .rdbg transcripts in {path}")
            found.extend(inside)
        else:
            read_text_file(path, ".rdbg transcript")
            found.append(path)
    return found
