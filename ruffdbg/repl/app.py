"""The interactive REPL: prompt_toolkit in front of a ``Shell``.

Multi-line input continues while braces are open; Ruff is highlighted by the
Pygments lexer; Tab completes keywords, builtins, defined names and
``:commands``, and each command's arguments by what its usage line says they
are (``:load FILE`` paths, ``:dis NAME`` function names, ``[t1|t2]`` choices);
history persists in the user's state directory (Ctrl-R searches it). Code runs
in a worker thread so Ctrl-C can interrupt it in any tier (the safepoint
interrupt); what it prints appears as it is printed, and stays when it is
interrupted; the session — definitions included — survives errors and
interrupts. Ctrl-D exits.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterable

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import PygmentsLexer

from ruffdbg import harness
from ruffdbg.lang.lexer import tokenize
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.repl.commands import COMMAND_NAMES, COMMANDS, ECHO, Shell
from ruffdbg.repl.lexer import KEYWORDS, RuffLexer
from ruffdbg.session import Policy

PROMPT = "ruff> "
CONTINUATION = "...> "


def needs_more_input(text: str) -> bool:
    """True while the input has unclosed braces, brackets or parentheses (or a string)."""
    if text.lstrip().startswith(":"):
        return False
    try:
        tokens = tokenize(Source("<input>", text))
    except RuffSyntaxError as error:
        return "Unterminated" in error.message
    depth = 0
    for token in tokens:
        if token.kind in ("{", "(", "["):
            depth += 1
        elif token.kind in ("}", ")", "]"):
            depth -= 1
    return depth > 0


# What a word of a command's usage line stands for, when it completes from
# something other than its own spelling (``t1|t2``, ``raw`` complete as written).
ARGUMENT_KINDS = {"NAME": "function", "FUNC": "function", "FILE": "path", "EXPR": "code"}


def argument_specs(usage: str) -> list[tuple[bool, list[str]]]:
    """A command's arguments from its usage line (``:ir NAME [t1|t2] [raw]``): per
    position, whether it is optional and what it may be (kinds or literal words)."""
    specs = []
    for word in usage.split()[1:]:
        optional = word.startswith("[") and word.endswith("]")
        specs.append((optional, [ARGUMENT_KINDS.get(part, part) for part in word.strip("[]").split("|")]))
    return specs


class RuffCompleter(Completer):
    """Tab completion: Ruff names in code, command names after ``:``, and each
    command's arguments by their kind (``argument_specs``)."""

    def __init__(self, shell: Shell):
        self.shell = shell
        self.paths = PathCompleter(expanduser=True,
                                   file_filter=lambda name: os.path.isdir(name) or name.endswith(".ruff"))
        self.usages = {command.name: command.usage for command in COMMANDS}

    def get_completions(self, document, complete_event) -> Iterable[Completion]:
        line = document.text_before_cursor
        if not line.lstrip().startswith(":"):
            yield from self._words(self._code_names(), document.get_word_before_cursor(WORD=True))
            return
        parts = line.lstrip()[1:].split(" ")
        if len(parts) == 1:
            yield from self._words(COMMAND_NAMES, parts[0])
            return
        kinds = self._kinds_at(parts[0], len(parts) - 2)
        if "path" in kinds:
            yield from self.paths.get_completions(Document(parts[-1]), complete_event)
        names = [word for kind in kinds for word in self._candidates(kind)]
        yield from self._words(names, parts[-1])

    def _kinds_at(self, command: str, index: int) -> list[str]:
        """What the argument at ``index`` may be: its own kinds, and those of the
        optional arguments after it (any of them may come next)."""
        specs = argument_specs(self.usages.get(command, ""))
        kinds: list[str] = []
        for optional, what in specs[index:]:
            kinds += what
            if not optional:
                break
        return kinds

    def _candidates(self, kind: str) -> list[str]:
        if kind == "function":
            return self.shell.session.function_names()
        if kind == "code":
            return self._code_names()
        return [] if kind == "path" or kind.isupper() else [kind]   # (N, ID ...: nothing to offer)

    def _code_names(self) -> list[str]:
        names = set(KEYWORDS) | set(self.shell.session.global_names())
        return sorted(name for name in names if name != ECHO)

    @staticmethod
    def _words(candidates: Iterable[str], prefix: str) -> Iterable[Completion]:
        for candidate in candidates:
            if candidate.startswith(prefix) and candidate != prefix:
                yield Completion(candidate, start_position=-len(prefix))


def history_file() -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "ruffdbg" / "history"


def make_history() -> History:
    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def read_input(prompt: PromptSession) -> str:
    """One input, continuing on new lines while braces are open."""
    lines = [prompt.prompt(PROMPT)]
    while needs_more_input("\n".join(lines)):
        lines.append(prompt.prompt(CONTINUATION))
    return "\n".join(lines)


def execute_interruptibly(shell: Shell, text: str) -> str:
    """Run in a worker thread (``harness``); Ctrl-C in the main thread interrupts at a
    safepoint. A bug in ruffdbg shows its traceback and keeps the REPL going."""
    try:
        return harness.run_in_thread(lambda: shell.execute(text),
                                     interrupt=lambda: shell.session.interrupt(harness.CTRL_C_REASON))
    except Exception:  # noqa: BLE001 - as an uncaught exception in the worker thread did
        traceback.print_exc()
        return ""


def open_tui(shell: Shell) -> None:
    """``:tui``: the TUI on the REPL's session; its ``q`` comes back to the prompt."""
    from ruffdbg.tui.app import RuffdbgApp

    RuffdbgApp(session=shell.session).run()


class TerminalStream:
    """Where the program's output goes while an input runs: written (and flushed)
    at once, so it shows as it is printed and stays when the input is stopped."""

    def __init__(self, write: Callable[[str], object] | None = None):
        self.write_text = write or _write_stdout
        self.at_line_start = True

    def __call__(self, text: str) -> None:
        if text:
            self.write_text(text)
            self.at_line_start = text.endswith("\n")

    def end_input(self) -> None:
        """An input ended: what comes next (a report, the prompt) starts on a new line."""
        if not self.at_line_start:
            self("\n")


def _write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def run_repl(policy: Policy, prompt: PromptSession | None = None, write=print, tui=open_tui,
             stream: Callable[[str], object] | None = None) -> int:
    """The REPL loop. ``write`` shows a report (each input's non-program output);
    ``stream`` gets the program's output as it is printed (default: stdout)."""
    terminal = TerminalStream(stream)
    shell = Shell(policy, stream=terminal)
    shell.interactive = True
    prompt = prompt or PromptSession(history=make_history(), lexer=PygmentsLexer(RuffLexer),
                                     completer=RuffCompleter(shell), enable_history_search=True)
    if prompt.completer is None:
        prompt.completer = RuffCompleter(shell)
    write("ruffdbg REPL: Ruff code, or :help for commands. Ctrl-D exits.")
    while True:
        try:
            text = read_input(prompt)
        except KeyboardInterrupt:
            continue   # Ctrl-C at the prompt clears the line
        except EOFError:
            return 0
        output = execute_interruptibly(shell, text)
        terminal.end_input()
        if output:
            write(output.rstrip("\n"))
        if shell.tui_requested:
            shell.tui_requested = False
            tui(shell)
