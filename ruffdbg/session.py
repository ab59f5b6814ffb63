"""The Session: one façade over a VM, its compiler and its profiles.

Views (CLI, REPL, TUI, scripted sessions) talk only to a Session and get plain
data back (dataclasses from ``profile.report``); none of them reaches into the
interpreter. A Session keeps its globals across ``run_source`` calls, which is
what a REPL needs.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ruffdbg import harness
from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.dis import get_instructions, header
from ruffdbg.compiler.codegen import compile_program
from ruffdbg.core.events import EventLog
from ruffdbg.lang.diagnostics import RuffSyntaxError, Source
from ruffdbg.lang.parser import parse
from ruffdbg.profile import report
from ruffdbg.profile.deopts import DeoptGroup, DeoptLog
from ruffdbg.profile.ics import ic_sites
from ruffdbg.profile.report import FunctionStats
from ruffdbg.profile.stability import StabilityRule
from ruffdbg.core.errors import ProgramExit, RuffRuntimeError
from ruffdbg.core.objects import Function
from ruffdbg.vm.debugger import JIT_BREAK_NAMES, Debugger, JitBreak, stop_points
from ruffdbg.vm.frame import Interrupted, NativeFrame
from ruffdbg.vm.interpreter import STEPPING, VM
from ruffdbg.vm.sampler import DEFAULT_INTERVAL, Sampler, TierProfile

if TYPE_CHECKING:   # (the JIT, and llvmlite with it, is imported only when it is on)
    from ruffdbg.jit.assumptions import UnitAssumptions
    from ruffdbg.jit.history import Compile, CompileDiff, PassReport

from ruffdbg.records import (HOT_CALLS, HOT_TIME_SHARE, BytecodeListing, BytecodeRow, ControlResult,  # noqa: F401
                             FrameView, Hotspot, NativeListing, Policy, RunResult)   # (the Session's records)

# The scripts a session always keeps whole: older ones go once nothing of them
# can run or be shown (``_forget_old_scripts``).
SCRIPTS_KEPT = 64


class Session:
    def __init__(self, policy: Policy | None = None, write: Callable[[str], Any] | None = None):
        self.policy = policy or Policy()
        self.vm = VM(write=write or sys.stdout.write)
        self.events = EventLog()
        self.jit = None
        if self.policy.jit:
            from ruffdbg.jit.manager import Jit
            from ruffdbg.jit.policy import TierPolicy

            tiers = TierPolicy.from_cli(True, self.policy.threshold)
            tiers.background = self.policy.background_compile
            self.jit = self.vm.hooks = Jit(self.vm, tiers, self.events)
            from ruffdbg.jit.codecache import from_setting
            self.jit.code_cache = from_setting(self.policy.code_cache)
        self.sources: dict[str, Source] = {}
        self.scripts: list[CodeObject] = []
        self.breakpoint_lines: dict[str, set[int]] = {}       # source name -> lines (kept across recompiles)
        # A REPL sets it: each run may declare again the globals earlier runs
        # declared (the new definition replaces the old, see ``run_code``).
        self.redefinition = False
        self.vm.events = self.events
        self.deopt_log = DeoptLog()   # deopts and invalidations grouped as they happen (exact past the ring)
        self.events.listeners.append(self.deopt_log.add)
        self.debugger = Debugger(self.vm, self.code_objects)
        self.vm.debugger = self.debugger
        self.sampler: Sampler | None = None
        if self.policy.sample_ms:
            self._make_sampler(self.policy.sample_ms / 1000)
        # Files that describe the native code to Linux perf, kept up to date as units compile.
        self.code_maps: list = []
        if self.policy.perf_map and self.jit is not None:
            from ruffdbg.jit.perfmap import PerfMap

            self.code_maps.append(PerfMap(self.jit))
        if self.policy.jitdump and self.jit is not None:
            from ruffdbg.jit.jitdump import JitDump

            self.code_maps.append(JitDump(self.jit))
        if self.code_maps:
            self.events.listeners.append(lambda _event: self._sync_code_maps())   # (every compile logs one)

    def _sync_code_maps(self) -> None:
        for code_map in self.code_maps:
            code_map.sync()

    # ------------------------------------------------------------- sampling

    def start_sampler(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Start the sampling profiler (``vm.sampler``): time per function and tier,
        read with ``tier_times``. Its samples accumulate over every later run."""
        if self.sampler is None:
            self._make_sampler(interval)
        self.sampler.start()

    def _make_sampler(self, interval: float) -> None:
        probe = None
        if self.jit is not None:
            from ruffdbg.jit.sampling import JitProbe

            probe = JitProbe(self.jit)
        self.sampler = Sampler(self.vm, probe, interval)

    def stop_sampler(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()

    def tier_times(self) -> TierProfile | None:
        """Sampled self and total time per function and tier; None if never sampled."""
        return None if self.sampler is None else self.sampler.snapshot()

    # ------------------------------------------------------------- running

    def compile(self, text: str, name: str = "<input>",
                transform: Callable[[Any], None] | None = None, whole_program: bool = False) -> CodeObject:
        """Parse and compile; raises RuffSyntaxError (render it with ``source_of``).

        ``transform`` may rewrite the AST first (the REPL wraps top-level
        expressions so their values are shown). ``whole_program``: a file run on
        its own, whose globals no later input will read (its top-level variables
        that no function names become the script's locals: ``compiler/scopes.py``)."""
        source = Source(name, text)
        self.sources[name] = source
        program = parse(source)
        if transform is not None:
            transform(program)
        code = compile_program(program, known_globals=self.vm.globals.keys(), whole_program=whole_program)
        self.scripts.append(code)
        for each in code.walk():
            each.source = name
        for line in self.breakpoint_lines.get(name, ()):
            self._apply_breakpoint(name, line, True)
        return code

    def run_code(self, code: CodeObject) -> RunResult:
        """Run a compiled script. Always in a deep worker thread (``harness``): native
        recursion needs its C stack and tier changes its Python recursion limit, so
        every caller (CLI, REPL, TUI, transcripts, bench, tests) sees the same
        ``Stack overflow`` at the same depth. Ctrl-C in the main thread interrupts."""
        if not harness.in_deep_worker():
            return harness.run_in_thread(lambda: self.run_code(code),
                                         interrupt=lambda: self.interrupt(harness.CTRL_C_REASON))
        if self.redefinition:
            self.vm.redeclarable = set(self.vm.globals)
        if not any(script is code for script in self.scripts):   # (a script forgotten, run again by a host)
            self.scripts.append(code)
        sampling = self.policy.sample_ms and self.sampler is not None and not self.sampler.running
        if sampling:
            self.sampler.start()
        try:
            self.vm.run_script(code)
        except RuffRuntimeError as error:
            where = error.stack[-1] if error.stack else None
            self.events.add("error", where.function if where else "<script>", line=where.line if where else None,
                            detail={"message": error.message})
            return RunResult(False, error=error)
        except Interrupted as interrupted:
            return RunResult(False, interrupted=interrupted)
        except ProgramExit as exit_:
            return RunResult(exit_.status == 0, exit_status=exit_.status)
        finally:
            if sampling:
                self.sampler.stop()
            self._sync_code_maps()
            self._forget_old_scripts()
            if self.debugger.step is not None:   # the program ended before the step did
                self.debugger.end_step()
            self.debugger.drop_fired()   # (likewise a JIT breakpoint's pending stop)
        return RunResult(True)

    def _forget_old_scripts(self) -> None:
        """Scripts older than the latest ``SCRIPTS_KEPT`` (a REPL session's latest
        inputs: their functions' figures are what its views show) that nothing can run or show
        any more go, their code freed (jit/reclaim.py): a REPL session redefining
        functions for hours stays the same size. Their sources stay."""
        if self.jit is None or len(self.scripts) <= SCRIPTS_KEPT:
            return
        gone = {id(script) for script in self.jit.forget_scripts(self.scripts[:-SCRIPTS_KEPT])}
        if gone:
            self.scripts = [script for script in self.scripts if id(script) not in gone]

    def run_source(self, text: str, name: str = "<input>", whole_program: bool = False) -> RunResult:
        """Compile and run ``text`` (``whole_program``: as ``ruffdbg run`` compiles a
        file, its top-level variables that no function names locals of ``<script>``)."""
        return self.run_code(self.compile(text, name, whole_program=whole_program))

    def run_file(self, path: str | Path) -> RunResult:
        """Run a program file as ``ruffdbg run`` does: compiled whole."""
        return self.run_source(Path(path).read_text(encoding="utf-8"), str(path), whole_program=True)

    # The user's controls over the JIT (TUI keys, REPL commands). Each returns a
    # ControlResult: ok when the JIT carried the control out (its message says how it
    # went), not ok when the JIT is off. KeyError for an unknown function.

    def _jit_code(self, name: str) -> CodeObject:
        code = self.find_code(name)
        if code is None or code.is_script:
            raise KeyError(name)
        return code

    def force_compile(self, name: str) -> ControlResult:
        return self._jit_control(self.jit.force_compile if self.jit else None, self._jit_code(name))

    def force_deopt(self, name: str) -> ControlResult:
        return self._jit_control(self.jit.force_deopt if self.jit else None, self._jit_code(name))

    def reset_profile(self, name: str) -> ControlResult:
        return self._jit_control(self.jit.reset_profile if self.jit else None, self._jit_code(name))

    def unblacklist(self, name: str) -> ControlResult:
        return self._jit_control(self.jit.unblacklist if self.jit else None, self._jit_code(name))

    @staticmethod
    def _jit_control(control: Callable[[CodeObject], str] | None, code: CodeObject) -> ControlResult:
        if control is None:
            return ControlResult("the JIT is off", ok=False)
        return ControlResult(str(control(code)))

    def set_threshold(self, value: int) -> None:
        """Every hotness threshold (calls and loop iterations) becomes ``value``."""
        self.policy.threshold = value
        if self.jit is not None:
            self.jit.set_threshold(value)
            for code in self.code_objects():
                self.jit.adopt(code)

    def tier_policy(self):
        """The JIT's policy now (a copy of its ``jit.policy.TierPolicy``), or None without a JIT."""
        from dataclasses import replace

        return replace(self.jit.policy) if self.jit is not None else None

    def update_policy(self, **changes: Any) -> None:
        """Change policy fields (``t2_calls=100, stable_share=0.8`` ...); ValueError
        when a value is out of range. Hot checks are re-armed with the new values."""
        if self.jit is None:
            raise ValueError("the JIT is off")
        policy = self.jit.policy
        checked = {}
        for name, value in changes.items():   # all checked before any is changed
            current = getattr(policy, name, None)
            if current is None or name == "enabled":
                raise ValueError(f"no policy setting {name}")
            try:
                value = type(current)(value)
            except ValueError:
                raise ValueError(f"{name} must be a{' number' if isinstance(current, float) else 'n integer'}, "
                                 f"not {value!r}") from None
            if value < 0 or (isinstance(value, float) and value > 1):
                raise ValueError(f"{name} must be {'between 0 and 1' if isinstance(value, float) else 'at least 0'}")
            checked[name] = value
        for name, value in checked.items():
            setattr(policy, name, value)
        for code in self.code_objects():
            self.jit.adopt(code)

    def set_program_args(self, args: list[str]) -> None:
        """What the program's ``args()`` returns."""
        self.vm.program_args = list(args)

    def add_builtin(self, builtin: Any) -> None:
        """Make a Python function callable from Ruff in this session (a vm.objects.Builtin)."""
        self.vm.builtins[builtin.name] = builtin

    def global_names(self) -> list[str]:
        """Names a program can refer to: its globals and the builtins."""
        return sorted(set(self.vm.globals) | set(self.vm.builtins))

    def silence_output(self) -> None:
        """Drop what the program prints (reports that only want the profile)."""
        self.vm.write = lambda text: None

    def interrupt(self, reason: str = "interrupted") -> None:
        """Stop the running program at its next safepoint (safe from other threads)."""
        self.vm.request_interrupt(reason)

    def drop_stale_interrupt(self, reason: str = harness.CTRL_C_REASON) -> None:
        """Forget an interrupt for ``reason`` that no program took (a Ctrl-C pressed
        just as a run ended), so it does not stop the next run before it starts."""
        if self.vm.interrupt[0] and self.vm.interrupt_reason == reason:
            self.vm.interrupt[0] = 0
            if self.jit is not None:
                self.jit.set_interrupt(0)

    def pause(self) -> None:
        """Pause the running program at its next safepoint, in any tier."""
        self.vm.request_pause()

    def resume(self) -> None:
        """Continue a paused program."""
        self.vm.resume()

    # ------------------------------------------------------------ debugging

    def step(self, mode: str = "over") -> ControlResult:
        """From a pause, run to the next line ("into" calls, "over" them, or "out"
        of the current function), in the interpreter, and pause there (not ok
        when the program is not paused)."""
        if self.vm.paused_at is None:
            return ControlResult("not paused: pause the program first", ok=False)
        self.debugger.start_step(mode)
        self.vm.request_interrupt(STEPPING)   # native frames below leave at their next safepoint
        self.vm.resume()
        return ControlResult(f"step {mode}")

    def toggle_breakpoint(self, line: int, source: str | None = None) -> ControlResult:
        """Set or clear a breakpoint on a line of ``source`` (default: the program
        compiled last). A line without code moves to the next line with code (not
        ok when there is none). A function with a breakpoint drops its native code
        and stays in T0."""
        source = source or self._default_source()
        lines = self.breakpoint_lines.setdefault(source, set())
        if line in lines:
            lines.discard(line)
            self._apply_breakpoint(source, line, False)
            return ControlResult(f"breakpoint at line {line} cleared")
        codes = self._codes_of(source)
        starts = sorted({at for code in codes for at in stop_points(code) if at >= line})
        if codes and not starts:
            return ControlResult(f"no code at or after line {line}", ok=False)
        target = starts[0] if starts else line   # (not compiled yet: kept for when it is)
        lines.add(target)
        self._apply_breakpoint(source, target, True)
        moved = f" (line {line} has no code)" if target != line else ""
        return ControlResult(f"breakpoint at line {target}{moved}")

    def breakpoints(self, source: str | None = None) -> list[int]:
        return sorted(self.breakpoint_lines.get(source or self._default_source(), ()))

    @property
    def pause_reason(self) -> str:
        """Why the program is paused ("paused", "breakpoint at line 3", "step over")."""
        return self.vm.pause_reason if self.vm.paused_at is not None else ""

    def source_name_of(self, function: str) -> str | None:
        """The name of the source a function was compiled from (its latest definition)."""
        code = self.find_code(function)
        for script in reversed(self.scripts):
            if code is not None and any(each is code for each in script.walk()):
                return script.source
        return None

    def _default_source(self) -> str:
        return self.scripts[-1].source if self.scripts else "<input>"

    def _codes_of(self, source: str) -> list[CodeObject]:
        return [code for script in self.scripts if script.source == source for code in script.walk()]

    def _apply_breakpoint(self, source: str, line: int, on: bool) -> None:
        for code in self._codes_of(source):
            if on and self.debugger.set_breakpoint(code, line):
                if self.jit is not None:
                    self.jit.hold(code, f"breakpoint at line {line}")
            elif not on:
                self.debugger.clear_breakpoint(code, line)
                if self.jit is not None and not self.debugger.has_breakpoints(code):
                    self.jit.release(code)

    def set_jit_break(self, kind: str, function: str | None = None) -> ControlResult:
        """Pause at every ``kind`` event (deopt, tier-up, despecialized, blacklisted,
        invalidated, error, ic, elements), of ``function`` only if given (not ok: unknown kind)."""
        try:
            added = self.debugger.set_jit_break(kind, function)
        except KeyError:
            return _unknown_event(kind)
        off = (" (the JIT is off: only errors, IC and element-kind transitions happen)"
               if self.jit is None and added.kind not in ("error", "ic", "elements") else "")
        return ControlResult(f"break on {added.describe()}{off}")

    def clear_jit_breaks(self, kind: str | None = None, function: str | None = None) -> ControlResult:
        """Clear JIT breakpoints of ``kind`` (None: every kind) and ``function`` (None: all)."""
        try:
            cleared = self.debugger.clear_jit_breaks(kind, function)
        except KeyError:
            return _unknown_event(kind)
        if not cleared:
            return ControlResult("no such JIT breakpoint", ok=False)
        return ControlResult("cleared: " + ", ".join(each.describe() for each in cleared))

    def jit_breaks(self) -> list[JitBreak]:
        return self.debugger.jit_break_list()

    @property
    def paused_event(self):
        """The logged event (``core.events.Event``) a JIT breakpoint paused at, or None."""
        return self.vm.paused_event if self.vm.paused_at is not None else None

    def deopt_groups(self, function: str | None = None) -> list[DeoptGroup]:
        """Deopts, invalidations, despecializations and blacklistings grouped by
        function x guard x reason, with counts, first/last time and their exits."""
        return self.deopt_log.groups(function, self._exit_block if self.jit is not None else None)

    def _exit_block(self, unit: int, guard: int) -> str | None:
        """The IR block of a guard's deopt exit; "entry" for an argument check the
        entry function makes (it refuses the call: the interpreter runs it)."""
        from ruffdbg.jit.lowering.common import REACH_INTERPRETER

        if not 0 <= unit < len(self.jit.units):
            return None
        built = self.jit.units[unit]
        block = next((name for name, each in built.exit_blocks.items() if each == guard), None)
        entry = guard < len(built.guards) and built.guards[guard].reach == REACH_INTERPRETER
        return block or ("entry" if entry else None)

    def set_slow_motion(self, seconds: float) -> None:
        """Wait ``seconds`` at every safepoint (loop back-edges and calls), 0 to stop."""
        self.vm.set_slow_motion(seconds)

    @property
    def paused_at(self):
        """The Ruff stack where a pause is holding the program, or None."""
        return self.vm.paused_at

    def paused_frames(self) -> list[FrameView]:
        """The frames of a paused program, innermost last (empty unless paused).

        Safe to call from another thread: while paused, the VM thread waits."""
        from ruffdbg.core.values import to_string, type_name

        if self.vm.paused_at is None:
            return []
        views = []
        frames = list(self.vm.ruff_frames())
        for frame in frames:
            if isinstance(frame, NativeFrame):   # its locals are in native registers
                tier = self.jit.tier_of(frame.code) if self.jit is not None else "T0"
                views.append(FrameView(frame.code.name, frame.line, tier, []))
                continue
            names = frame.code.local_names
            values = [(name, to_string(value), type_name(value))
                      for name, value in zip(names, frame.locals) if not frame.code.is_script]
            line = self.vm.paused_at[-1].line if frame is frames[-1] else frame.line
            tier = self.jit.tier_running(frame) if self.jit is not None else "T0"
            views.append(FrameView(frame.code.name, line, tier, values))
        return views

    def source_of(self, name: str) -> Source | None:
        return self.sources.get(name)

    # ------------------------------------------------------------ questions

    def code_objects(self) -> list[CodeObject]:
        seen: list[CodeObject] = []
        for script in self.scripts:
            seen.extend(script.walk())
        return seen

    def find_code(self, name: str) -> CodeObject | None:
        """The function the global ``name`` holds now, else the most recently compiled
        function called ``name`` ("<script>" for the script). (A REPL input that
        failed before its definition ran compiled a ``name`` that never took effect.)"""
        held = self.vm.globals.get(name)
        if isinstance(held, Function) and held.code.name == name:
            return held.code
        for code in reversed(self.code_objects()):
            if code.name == name:
                return code
        return None

    def function_names(self) -> list[str]:
        return sorted({code.name for code in self.code_objects() if not code.is_script})

    def functions(self) -> list[FunctionStats]:
        """Stats of every function that has run (and the script)."""
        snapshot = self.jit.unit_counts() if self.jit is not None else None
        return [self._stats(code, snapshot) for code in self.code_objects() if code.profile is not None]

    def function(self, name: str) -> FunctionStats | None:
        code = self.find_code(name)
        return self._stats(code) if code else None

    @property
    def stability(self) -> StabilityRule:
        """The type stability rule in force (the tier policy's): every view judges by it."""
        return self.jit.policy.stability if self.jit is not None else StabilityRule()

    def _stats(self, code: CodeObject, snapshot: tuple | None = None) -> FunctionStats:
        """The profile with the JIT's data merged in: counts add what native code
        counted, so they are the same whichever tier ran."""
        if self.jit is None:
            return report.function_stats(code, self.stability)
        info = self.jit.info(code, snapshot)
        stats = report.function_stats(code, self.stability, info.native)
        stats.tier, stats.state, stats.reason = info.tier, info.state, info.reason
        stats.deopts, stats.despecializations = info.deopts, info.despecializations
        stats.compiles, stats.guards = info.compiles, info.guards
        stats.compiling, stats.generic_sites = info.compiling, info.generic_sites
        return stats

    def disassemble(self, name: str | None = None, counts: bool = False) -> str:
        """Bytecode listing of one function, or of the script and every function."""
        codes = [self.find_code(name)] if name else self.code_objects()[-len(self.scripts[-1].walk()):]
        listings = []
        for code in codes:
            if code is None:
                raise KeyError(name)
            listings.append(self._bytecode(code, counts).text())
        return "\n\n".join(listings)

    def bytecode(self, name: str) -> BytecodeListing:
        """A function's bytecode as records, with execution counts, type feedback and
        the JIT's guards at each pc (KeyError when there is no such function)."""
        code = self.find_code(name)
        if code is None:
            raise KeyError(name)
        return self._bytecode(code, True)

    def assumptions(self, name: str) -> list[UnitAssumptions]:
        """What each unit built for a function assumes (kind, what, where, how it is
        enforced), current units and retired ones (``current``), oldest first
        (KeyError when there is no such function; empty without a JIT)."""
        code = self.find_code(name)
        if code is None:
            raise KeyError(name)
        return self.jit.assumptions_of(code) if self.jit is not None else []

    def _bytecode(self, code: CodeObject, counts: bool) -> BytecodeListing:
        instructions = list(get_instructions(code))
        if not counts or code.profile is None:
            return BytecodeListing(header(code), [BytecodeRow(instruction) for instruction in instructions])
        info = self.jit.info(code) if self.jit is not None else None
        executed = report.execution_counts(code, info.native if info is not None else None)
        sites = {site.pc: site for site in report.site_feedback(code)}
        caches = {site.pc: site for site in ic_sites(code)}
        guards: dict[int, list[int]] = {}
        if info is not None:
            for guard in info.guards:
                guards.setdefault(guard.pc, []).append(guard.id)
        rows = [BytecodeRow(each, executed[each.pc], sites.get(each.pc), tuple(guards.get(each.pc, ())),
                            caches.get(each.pc))
                for each in instructions]
        return BytecodeListing(header(code), rows)

    def bytecode_lines(self, name: str) -> list[int]:
        """The Ruff source line of each bytecode pc of a function (for views that map
        rows of ``disassemble`` back to the source)."""
        code = self.find_code(name)
        if code is None:
            raise KeyError(name)
        return list(code.lines)

    def native_listing(self, name: str | None, kind: str, tier: int = 2, raw: bool = False,
                       compile_id: int | None = None) -> NativeListing:
        """A function's native code as lines, each mapped to the Ruff line and bytecode
        pc it comes from: ``kind`` "ir" (optimized, or ``raw`` before optimization)
        or "asm"; of compile ``compile_id``, or of the function's latest compile of
        ``tier`` (compiled from its profile if the run did not; "<script>": its
        latest OSR loop). Raises KeyError, LookupError or NotCompilable."""
        unit = self._native_units(name, tier, compile_id)[-1]
        return self._unit_listing(unit, kind, raw)

    def _native_units(self, name: str | None, tier: int, compile_id: int | None) -> list:
        """The units ``native_listing`` / ``native_text`` show (the script: one per hot loop)."""
        if self.jit is None:
            raise KeyError(name if compile_id is None else compile_id)
        if compile_id is not None:
            record = self.jit.history.get(compile_id)
            if record is None or (name is not None and record.function != name):
                raise KeyError(compile_id)
            return [record.unit]
        code = self.find_code(name)
        if code is None:
            raise KeyError(name)
        if code.is_script:
            return self.jit.loop_units(code)
        return [self.jit.unit_for_display(code, tier)]

    def _unit_listing(self, unit: Any, kind: str, raw: bool) -> NativeListing:
        from ruffdbg.jit.texts import TextLine

        code, compiled = unit.code, unit.compiled
        lines = self.jit.native_lines(unit, kind, raw)
        for text in self.jit.helpers.listings(compiled.imports, kind, raw):   # (the shared helpers it calls, after it)
            lines = [*lines, TextLine(""), *(TextLine(row) for row in text.splitlines())]
        ms = ", ".join(f"{stage} {value:.1f} ms" for stage, value in compiled.ms.items())
        record = self.jit.history.get(unit.id)
        where = "" if unit.region is None else f", OSR loop at line {code.lines[unit.region.header]}" + (
            f" entered at line {code.lines[unit.region.entry_pc]}" if unit.region.entry_pc != unit.region.header else "")
        types = ", ".join(record.types) if record is not None else \
            ", ".join(f"{p}: {t}" for p, t in zip(code.params, unit.param_types))
        shown = "before opt" if raw and kind == "ir" else ("after opt" if kind == "ir" else "assembly")
        # (a hit: the IR after opt is the text kept with the code; the assembly is made from it)
        cached = ", machine code from the code cache" if compiled.cached else ""
        header = f"; {code.name}({types}) at T{unit.tier} -> {unit.return_type}; compile #{unit.id} " \
                 f"({shown}{where}{cached}); {ms}"
        notes = tuple(f"; {site.text()}" for site in (*unit.generic_sites, *unit.inline_sites))
        return NativeListing(header, lines, unit.id, notes, compiled.cached)


    def native_text(self, name: str | None, kind: str, tier: int = 2, raw: bool = False,
                    compile_id: int | None = None) -> str:
        """``native_listing`` as text, with ``; line L, pc P`` on the right of each line
        (for "<script>": every hot loop's latest OSR compile)."""
        from ruffdbg.jit import texts

        listings = [self._unit_listing(unit, kind, raw) for unit in self._native_units(name, tier, compile_id)]
        return "\n\n".join("\n".join([listing.header, *listing.notes, texts.render(listing.lines)])
                             for listing in listings)

    # ------------------------------------------------------- compile history

    def compiles(self, name: str) -> list[Compile]:
        """Every compile of function ``name`` the history keeps, oldest first, with
        its state and guard counts now (KeyError: no such function)."""
        from ruffdbg.jit import history

        code = self.find_code(name)
        if code is None or self.jit is None:
            raise KeyError(name)
        derived = self.jit.unit_counts()[1]
        return [history.view(record, derived) for record in self.jit.history.of(id(code))]

    def compile_record(self, compile_id: int) -> Compile:
        """One compile by id (``Session.compile`` compiles source, hence the name)."""
        from ruffdbg.jit import history

        record = self.jit.history.get(compile_id) if self.jit is not None else None
        if record is None:
            raise KeyError(compile_id)
        return history.view(record, self.jit.unit_counts()[1])

    def compile_diff(self, a: int, b: int) -> CompileDiff:
        """What differs between compiles ``a`` and ``b``: types, guards, optimized IR."""
        from ruffdbg.jit import history

        first, second = self.compile_record(a), self.compile_record(b)
        texts = [self.jit.history.get(i).unit.compiled.ir_after for i in (a, b)]
        return history.diff(first, second, *texts)

    def compile_passes(self, compile_id: int) -> PassReport:
        """Compile ``compile_id``'s pre-optimization IR run through the optimizer one
        pass at a time (done now, on request: a few ms per pass)."""
        from ruffdbg.jit import history

        compiled = self.compile_record(compile_id)
        unit = self.jit.history.get(compile_id).unit
        return history.passes(compiled, unit.compiled.ir_before, unit.compiled.opt_level, unit.compiled.twin)

    def hotspots(self) -> list[Hotspot]:
        """Functions by share of time, each judged hot / type-stable (a JIT candidate).

        Type-stable: the share of its type samples at their site's main type
        (``FunctionStats.stability``) reaches the stability rule's share."""
        rule = self.stability
        stats = [s for s in self.functions()]
        total = sum(s.self_ms for s in stats) or 1.0
        spots = []
        for s in stats:
            share = s.self_ms / total
            hot = share > HOT_TIME_SHARE or s.calls > HOT_CALLS
            spots.append(Hotspot(s, share, hot, s.stability >= rule.share))
        spots.sort(key=lambda spot: spot.time_share, reverse=True)
        return spots

    def code_cache_stats(self) -> dict | None:
        """The code cache this session uses (its folder; hits, misses, stores and
        files found but not used since the session began), or None without one."""
        cache = self.jit.code_cache if self.jit is not None else None
        if cache is None:
            return None
        return {"folder": str(cache.directory), **asdict(cache.stats)}


def _unknown_event(kind: str) -> ControlResult:
    return ControlResult(f"no JIT event {kind!r} (one of {', '.join(JIT_BREAK_NAMES)})", ok=False)


__all__ = ["Session", "Policy", "RunResult", "ControlResult", "Hotspot", "BytecodeListing", "BytecodeRow", "RuffSyntaxError"]
