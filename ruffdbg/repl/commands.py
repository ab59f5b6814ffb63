"""The REPL's evaluator: Ruff input and ``:commands`` over one Session, as text.

``Shell.execute(text)`` returns everything the user should see for one input:
the program's output, the echoed value of a top-level expression (not null),
an error with its Ruff stack, or a command's report. The prompt_toolkit REPL
and the ``.rdbg`` transcript runner both drive this one class, so a
transcript tests exactly what a person sees.
"""

from __future__ import annotations

import shlex
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ruffdbg.files import read_text_file
from ruffdbg.lang import ast
from ruffdbg.lang.diagnostics import RuffSyntaxError
from ruffdbg.harness import CTRL_C_REASON
from ruffdbg.session import Policy, RunResult, Session
from ruffdbg.textviews import (UsageError, assumptions_lines, deopt_lines, describe_exit, hotspots_report,
                               render_result)
from ruffdbg.core.objects import Builtin
from ruffdbg.core.values import to_string

PAUSE_FRAMES = 10   # frames a pause shows, innermost first (deep recursion would flood the screen)
ECHO = "__echo__"   # the hidden builtin a top-level expression's value goes through


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str


COMMANDS = [
    Command("help", ":help", "this list"),
    Command("dis", ":dis NAME", "bytecode of a function, with execution counts and type feedback"),
    Command("ir", ":ir NAME [t1|t2] [raw]", "LLVM IR of a function (raw: before optimization)"),
    Command("asm", ":asm NAME [t1|t2]", "native assembly of a function"),
    Command("profile", ":profile NAME", "type profiles of a function's arguments and locals, with stability"),
    Command("guards", ":guards [NAME]", "guards of compiled functions: kind, line, pass and fail counts"),
    Command("assumptions", ":assumptions NAME", "what each compiled unit of a function assumes, and how it is enforced"),
    Command("compiles", ":compiles NAME", "every compile of a function: id, tier, kind, trigger, types, guards, state, ms"),
    Command("diff", ":diff NAME A B", "compare two compiles of a function (ids from :compiles): types, guards, IR"),
    Command("tiers", ":tiers", "every function's tier and state (and why)"),
    Command("events", ":events [N]", "the last N tier events (default 20)"),
    Command("hotspots", ":hotspots", "hot functions, hot loops, type stability"),
    Command("deopts", ":deopts [NAME]", "deopts and invalidations grouped by function, guard and reason"),
    Command("break", ":break [EVENT [NAME]]", "pause at a JIT event (deopt, tier-up, despecialized, blacklisted, "
            "invalidated, error), of NAME only if given; no arguments: list them"),
    Command("clear", ":clear [EVENT [NAME]]", "clear JIT breakpoints (no arguments: all)"),
    Command("continue", ":continue", "resume a paused program"),
    Command("jit", ":jit on|off", "switch the JIT for code run from now on"),
    Command("threshold", ":threshold N", "make every hotness threshold N"),
    Command("load", ":load FILE", "run a .ruff file in this session"),
    Command("time", ":time EXPR", "run EXPR several times; median time and the tier it ran in"),
    Command("reset", ":reset", "a fresh session: no definitions, profiles or compiled code"),
    Command("tui", ":tui", "open the TUI on this session (q comes back here)"),
]
COMMAND_NAMES = [command.name for command in COMMANDS]


class Shell:
    """``stream``: where the program's output goes as it is printed (the REPL's
    terminal, so it shows while an input runs and stays when one is interrupted);
    without it the output is collected and returned by ``execute`` (transcripts)."""

    def __init__(self, policy: Policy | None = None, stream: Callable[[str], None] | None = None):
        self.policy = policy or Policy()
        self.inputs = 0
        self.stream = stream
        self.output: list[str] = []
        self.session = self._new_session()
        self.interactive = False     # the REPL sets it: :tui can open a screen
        self.tui_requested = False
        self.paused: tuple | None = None   # (thread, outcome, source name) of a run a JIT breakpoint paused

    def _new_session(self) -> Session:
        session = Session(self.policy, write=self._write)
        session.redefinition = True   # a name declared again replaces the earlier input's
        session.add_builtin(Builtin(ECHO, self._echo, (1,)))
        return session

    def _write(self, text: str) -> None:
        """What the program prints (and echoed values): streamed, or collected."""
        if self.stream is not None:
            self.stream(text)
        else:
            self.output.append(text)

    def _echo(self, ctx, args: list) -> None:
        if args[0] is not None:
            self._write(to_string(args[0]) + "\n")

    # ------------------------------------------------------------- inputs

    def execute(self, text: str) -> str:
        """Run one input (Ruff code or a :command) and return what it printed."""
        self.output.clear()
        self.session.drop_stale_interrupt()   # a Ctrl-C that came after the last input ended
        stripped = text.strip()
        if not stripped:
            return ""
        if stripped.startswith(":"):
            return self.command(stripped[1:])
        if self.paused is not None:
            return "error: the program is paused (:continue to resume it, :reset to drop it)\n"
        self.run_ruff(text)
        return "".join(self.output)

    def run_ruff(self, text: str, name: str | None = None) -> str | None:
        """Compile and run one input (named ``<input-N>``, or ``name``); what it
        prints is written. Returns how it failed (also added to ``output``), None
        when it ended normally."""
        if name is None:
            self.inputs += 1
            name = f"<input-{self.inputs}>"
        try:
            code = self.session.compile(text, name, _echo_expressions if name.startswith("<input") else None)
        except RuffSyntaxError as error:
            failure = error.render(self.session.source_of(name)) + "\n"
            self.output.append(failure)
            return failure
        if self.session.jit_breaks():
            self._run_pausable(code, name)   # (how it ends is shown when it does)
            return None
        return self._show_result(self.session.run_code(code), name)

    def _show_result(self, result: RunResult, name: str) -> str | None:
        rendered = render_result(result, self.session.source_of(name), self.session.source_of) or describe_exit(result)
        if rendered is not None:
            self.output.append(rendered + "\n")
        return None if result.ok else rendered + "\n"

    # A JIT breakpoint pauses the program: the run goes on in a thread of its own,
    # the input returns with the pause (its event and stack), and :continue waits
    # for the rest.

    def _run_pausable(self, code, name: str) -> None:
        outcome: list = []

        def run() -> None:
            try:
                outcome.append((True, self.session.run_code(code)))
            except BaseException as error:  # noqa: BLE001 - raised again in the waiting thread
                outcome.append((False, error))

        thread = threading.Thread(target=run, name="ruff-repl-run", daemon=True)
        thread.start()
        self.paused = (thread, outcome, name)
        self._wait_run()

    def _wait_run(self) -> None:
        """Wait until the run ends (show how) or pauses (show where and why)."""
        thread, outcome, name = self.paused
        while thread.is_alive() and self.session.paused_at is None:
            try:
                thread.join(0.01)
            except KeyboardInterrupt:
                self.session.interrupt(CTRL_C_REASON)
        if thread.is_alive():
            self.output.append(self._pause_text())
            return
        self.paused = None
        ok, value = outcome[0]
        if not ok:
            raise value
        self._show_result(value, name)

    def _pause_text(self) -> str:
        lines = [f"paused: {self.session.pause_reason}"]
        event = self.session.paused_event
        if event is not None:
            lines.append(f"  event #{event.seq}: {event.describe().strip()}")
        frames = self.session.paused_frames()[::-1]   # innermost first
        lines += [f"  in {frame.function} line {frame.line} ({frame.tier})" for frame in frames[:PAUSE_FRAMES]]
        if len(frames) > PAUSE_FRAMES:
            lines.append(f"  ... {len(frames) - PAUSE_FRAMES} more frames")
        return "\n".join(lines) + "\n"

    def _drop_paused(self) -> None:
        """Stop a paused run (at its next safepoint) and wait for it to end."""
        if self.paused is None:
            return
        self.session.clear_jit_breaks()
        self.session.interrupt("interrupted")
        self.session.resume()
        self.paused[0].join(5)
        self.paused = None

    def close(self) -> None:
        """End what this shell runs (a paused program)."""
        self._drop_paused()

    # ----------------------------------------------------------- commands

    def command(self, line: str) -> str:
        try:
            words = shlex.split(line)
        except ValueError as error:
            return f"error: {error}\n"
        if not words:
            return self.cmd_help([])
        name, args = words[0], words[1:]
        handler: Callable[[list[str]], str] | None = getattr(self, "cmd_" + name, None)
        if handler is None:
            return f"error: unknown command :{name} (try :help)\n"
        try:
            return handler(args)
        except UsageError as error:
            return f"error: {error}\n"

    def _function(self, args: list[str], usage: str):
        if not args:
            raise UsageError(f"usage: {usage}")
        code = self.session.find_code(args[0])
        if code is None or code.is_script:
            known = ", ".join(self.session.function_names()) or "none yet"
            raise UsageError(f"no function named {args[0]} (functions: {known})")
        return code

    def cmd_help(self, args: list[str]) -> str:
        lines = ["Ruff code runs as you type it; a top-level expression shows its value.", "Commands:"]
        lines += [f"  {command.usage:<26} {command.help}" for command in COMMANDS]
        return "\n".join(lines) + "\n"

    def cmd_dis(self, args: list[str]) -> str:
        code = self._function(args, ":dis NAME")
        return self.session.disassemble(code.name, counts=True) + "\n"

    def _native(self, args: list[str], kind: str) -> str:
        code = self._function(args, f":{kind} NAME [t1|t2]" + (" [raw]" if kind == "ir" else ""))
        if self.session.jit is None:
            raise UsageError("the JIT is off (:jit on)")
        tier = 1 if "t1" in args[1:] else 2
        from ruffdbg.jit.inference import NotCompilable

        try:
            return self.session.native_text(code.name, kind, tier, raw="raw" in args[1:]) + "\n"
        except (LookupError, NotCompilable) as why:
            return f"{code.name} has no T{tier} code: {getattr(why, 'reason', why)}\n"

    def cmd_ir(self, args: list[str]) -> str:
        return self._native(args, "ir")

    def cmd_asm(self, args: list[str]) -> str:
        return self._native(args, "asm")

    def cmd_profile(self, args: list[str]) -> str:
        stats = self.session.function(self._function(args, ":profile NAME").name)
        lines = [f"{stats.name}: {stats.calls} calls, tier {stats.tier} ({stats.state}); "
                 f"stable = {self.session.stability.describe()}"]
        for kind, profiles in (("arg", stats.args), ("local", stats.locals)):
            lines += [f"  {kind} {profile.name}: {profile.shares() or 'no samples'} "
                      f"({profile.samples} samples, {profile.verdict})" for profile in profiles]
        lines += [f"  ic {site.text} (line {site.line}, pc {site.pc}): {site.summary}"
                  + (f"; {site.shares()}" if site.shapes else "") for site in stats.ics if site.listed]
        return "\n".join(lines) + "\n"

    def cmd_guards(self, args: list[str]) -> str:
        names = [self._function(args, ":guards [NAME]").name] if args else self.session.function_names()
        lines = []
        for name in names:
            stats = self.session.function(name)
            if not stats.guards:
                continue
            lines.append(f"{name} ({stats.tier}):")
            for guard in stats.guards:
                lines.append(f"  #{guard.id:<3} {guard.kind:<16} line {guard.line:<4} pass {guard.passed:<8} "
                             f"fail {guard.failed:<6} {guard.detail}")
        return "\n".join(lines) + "\n" if lines else "no compiled functions\n"

    def cmd_assumptions(self, args: list[str]) -> str:
        code = self._function(args, ":assumptions NAME")
        if self.session.jit is None:
            raise UsageError("the JIT is off (:jit on)")
        lines = assumptions_lines(self.session.assumptions(code.name))
        return "\n".join(lines) + "\n" if lines else f"{code.name} has no compiled code\n"

    def _compiled(self, args: list[str], usage: str) -> str:
        """The function named by ``args[0]`` ("<script>" too: its OSR loops compile)."""
        if not args:
            raise UsageError(f"usage: {usage}")
        if self.session.jit is None:
            raise UsageError("the JIT is off (:jit on)")
        return args[0] if args[0] == "<script>" and self.session.find_code(args[0]) else \
            self._function(args, usage).name

    def cmd_compiles(self, args: list[str]) -> str:
        from ruffdbg.compiletexts import compiles_table

        name = self._compiled(args, ":compiles NAME")
        return compiles_table(name, self.session.compiles(name)) + "\n"

    def cmd_diff(self, args: list[str]) -> str:
        from ruffdbg.compiletexts import diff_text

        usage = ":diff NAME A B"
        name = self._compiled(args, usage)
        if len(args) != 3:
            raise UsageError(f"usage: {usage} (compile ids from :compiles {name})")
        ids = {c.id for c in self.session.compiles(name)}
        a, b = (_compile_id(text, ids, name) for text in args[1:])
        return diff_text(self.session.compile_diff(a, b)) + "\n"

    def cmd_tiers(self, args: list[str]) -> str:
        lines = []
        for name in self.session.function_names():
            stats = self.session.function(name)
            reason = f" ({stats.reason})" if stats.reason else ""
            lines.append(f"{name:<16} {stats.tier}  {stats.state}{reason}")
        return "\n".join(lines) + "\n" if lines else "no functions yet\n"

    def cmd_events(self, args: list[str]) -> str:
        count = _int(args[0], "N") if args else 20
        events = self.session.events.last(count)
        return "".join(event.describe() + "\n" for event in events) or "no events\n"

    def cmd_hotspots(self, args: list[str]) -> str:
        return hotspots_report(self.session)

    def cmd_jit(self, args: list[str]) -> str:
        if args not in (["on"], ["off"]):
            raise UsageError("usage: :jit on|off")
        self.policy.jit = args[0] == "on"
        jit = self.session.jit
        if jit is not None:
            jit.policy.enabled = self.policy.jit
            for code in self.session.code_objects():
                jit.adopt(code)
        elif self.policy.jit:
            return "the JIT starts with the next :reset (this session began without it)\n"
        return f"JIT {args[0]}\n"

    def cmd_threshold(self, args: list[str]) -> str:
        if len(args) != 1:
            raise UsageError("usage: :threshold N")
        value = _int(args[0], "N")
        self.session.set_threshold(value)
        return f"every hotness threshold is {value}\n"

    def cmd_load(self, args: list[str]) -> str:
        if len(args) != 1:
            raise UsageError("usage: :load FILE")
        path = Path(args[0])
        self.run_ruff(read_text_file(path), str(path))
        return "".join(self.output)

    def cmd_time(self, args: list[str]) -> str:
        if not args:
            raise UsageError("usage: :time EXPR")
        expression = " ".join(args)
        times = []
        stream, self.stream = self.stream, None   # what the runs print is not shown
        try:
            for run in range(5):
                self.output.clear()
                started = time.perf_counter()
                failure = self.run_ruff(expression, name="<time>")   # (not an <input>: no echo)
                times.append((time.perf_counter() - started) * 1000)
                if failure is not None:   # an error, exit() or Ctrl-C: stop timing, show how it ended
                    return failure + f"(:time stopped in run {run + 1} of 5)\n"
        finally:
            self.stream = stream
        tiers = ", ".join(f"{name} {self.session.function(name).tier}" for name in self.session.function_names())
        return f"median {statistics.median(times):.3f} ms of 5 runs ({tiers or 'no functions'})\n"

    def cmd_deopts(self, args: list[str]) -> str:
        name = self._function(args, ":deopts [NAME]").name if args else None
        lines = deopt_lines(self.session.deopt_groups(name))
        return "\n".join(lines) + "\n" if lines else "no deopts" + (f" in {name}" if name else "") + "\n"

    def cmd_break(self, args: list[str]) -> str:
        if not args:
            breaks = self.session.jit_breaks()
            return "".join(f"break on {each.describe()}\n" for each in breaks) or "no JIT breakpoints\n"
        if len(args) > 2:
            raise UsageError("usage: :break [EVENT [NAME]]")
        return self._control(self.session.set_jit_break(args[0], args[1] if len(args) > 1 else None))

    def cmd_clear(self, args: list[str]) -> str:
        if len(args) > 2:
            raise UsageError("usage: :clear [EVENT [NAME]]")
        return self._control(self.session.clear_jit_breaks(*args))

    def cmd_continue(self, args: list[str]) -> str:
        if self.paused is None:
            return "not paused\n"
        self.output.clear()
        self.session.resume()
        self._wait_run()
        return "".join(self.output)

    @staticmethod
    def _control(result) -> str:
        if not result.ok:
            raise UsageError(result.message)
        return result.message + "\n"

    def cmd_reset(self, args: list[str]) -> str:
        self._drop_paused()
        self.session = self._new_session()
        return "session reset\n"

    def cmd_tui(self, args: list[str]) -> str:
        """The interactive REPL opens the TUI once this command returns (the TUI
        needs the main thread); a scripted session has no screen to open it on."""
        if not self.interactive:
            return "the TUI opens only in the interactive REPL\n"
        self.tui_requested = True
        return ""


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{what} must be a positive integer, not {text!r}") from None
    if value < 1:
        raise UsageError(f"{what} must be a positive integer, not {value}")
    return value


def _compile_id(text: str, ids: set[int], name: str) -> int:
    """A compile id as :compiles shows it ("#3" or "3"), one of ``name``'s."""
    try:
        value = int(text.lstrip("#"))
    except ValueError:
        raise UsageError(f"not a compile id: {text!r}") from None
    if value not in ids:
        known = ", ".join(f"#{i}" for i in sorted(ids)) or "none"
        raise UsageError(f"{name} has no compile #{value} (its compiles: {known})")
    return value


def _echo_expressions(program: ast.Program) -> None:
    """Top-level expression statements show their value: wrap them in ECHO(...)."""
    for index, stmt in enumerate(program.stmts):
        if isinstance(stmt, ast.ExprStmt):
            expr = stmt.expr
            call = ast.Call(expr.line, expr.col, ast.Name(expr.line, expr.col, ECHO), [expr])
            program.stmts[index] = ast.ExprStmt(stmt.line, stmt.col, call)
