"""The interactive REPL: prompt_toolkit in front of a ``Shell``.

Multi-line input continues while braces are open; Ruff is highlighted by the
Pygments lexer; keywords, builtins, defined names and ``:commands`` complete
with Tab; history persists in the user's state directory (Ctrl-R searches
it). Code runs in a worker thread so Ctrl-C can interrupt it in any tier (the
safepoint interrupt), and the session — definitions included — survives
errors and interrupts. Ctrl-D exits.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Iterable

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import PygmentsLexer

from ruffdbg import harness
from ruffdbg.lang.lexer import tokenize
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.repl.commands import COMMAND_NAMES, ECHO, Shell
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


class RuffCompleter(Completer):
    def __init__(self, shell: Shell):
        self.shell = shell

    def get_completions(self, document, complete_event) -> Iterable[Completion]:
        line = document.text_before_cursor
        word = document.get_word_before_cursor(WORD=True)
        if line.lstrip().startswith(":"):
            parts = line.lstrip()[1:].split(" ")
            if len(parts) == 1:
                candidates = COMMAND_NAMES
            else:
                candidates = self.shell.session.function_names() + ["t1", "t2", "raw", "on", "off"]
            prefix = parts[-1]
        else:
            names = set(KEYWORDS) | set(self.shell.session.global_names())
            candidates = sorted(name for name in names if name != ECHO)
            prefix = word
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


def run_repl(policy: Policy, prompt: PromptSession | None = None, write=print, tui=open_tui) -> int:
    shell = Shell(policy)
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
        if output:
            write(output.rstrip("\n"))
        if shell.tui_requested:
            shell.tui_requested = False
            tui(shell)
