"""``ruffdbg tui``: watch a Ruff program warm up, specialize and deoptimize, live.

The program runs on a Session in a worker thread; five times a second the
panes pull snapshots from the Session (nothing in the VM calls into the UI).
Each pane is its own module: source (source.py), bytecode (bytecode.py), native
code (native.py), guards (guards.py), type profiles (profiles.py), call stack
(stack.py), warm-up chart (warmup.py), timeline (timeline.py), compile
history (compiles.py). This module lays
them out, keeps the selection (a function, and a line / pc within it) in step
across them, and turns keys, clicks and palette commands into Session calls.
"""

from __future__ import annotations

import gc
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, RichLog, Static, TabbedContent, TabPane

from ruffdbg.lang.diagnostics import RuffSyntaxError
from ruffdbg.session import Policy, Session
from ruffdbg.textviews import describe_exit, render_result
from ruffdbg.tui.bytecode import BytecodePane
from ruffdbg.tui.compiles import CompilesPane
from ruffdbg.tui.deopts import GROUPED_KINDS, DeoptsTable, JitBreakDialog
from ruffdbg.tui.guards import AssumptionsPane, GuardsTable
from ruffdbg.tui.listing import ListingView
from ruffdbg.tui.native import NativePane
from ruffdbg.tui.policy_dialog import PolicyDialog
from ruffdbg.tui.profiles import ProfilesPane
from ruffdbg.tui.source import GUTTER_WIDTH, TIER_STYLES, SourcePane
from ruffdbg.tui.stack import StackPane
from ruffdbg.tui.timeline import Timeline
from ruffdbg.tui.warmup import WarmupChart

DEMO = Path(__file__).with_name("demo.ruff")
REFRESH_SECONDS = 0.2
SLOW_MOTION_SECONDS = 0.02


class RuffdbgApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ruffdbg"
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/continue"),
        Binding("n", "step('over')", "Step over"),
        Binding("i", "step('into')", "Step into"),
        Binding("o", "step('out')", "Step out"),
        Binding("b", "toggle_breakpoint", "Breakpoint"),
        Binding("j", "jit_breakpoint", "JIT break"),
        Binding("c", "force_compile", "Compile"),
        Binding("d", "force_deopt", "Deopt"),
        Binding("r", "reset_profile", "Reset profile"),
        Binding("u", "unblacklist", "Un-blacklist"),
        Binding("t", "cycle_threshold", "Threshold"),
        Binding("e", "edit_policy", "Edit policy"),
        Binding("s", "toggle_slow_motion", "Slow motion"),
        Binding("R", "restart", "Restart"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    THRESHOLDS = (1000, 100, 10, 1)

    def __init__(self, path: Path | None = None, policy: Policy | None = None, session: Session | None = None):
        """Run ``path`` in a new Session, or (``session`` given, as the REPL's
        ``:tui`` does) look at a Session whose programs already ran."""
        super().__init__()
        self.path = path
        self.policy = policy or Policy()
        self.attached = session is not None
        self.output: list[str] = []
        self.slow_motion = False
        if session is not None:
            self.session = session
            self.source_name = self.source_text = ""
            if session.scripts:
                self._show_source(session.script_names[id(session.scripts[-1])])
        else:
            self.source_text = path.read_text(encoding="utf-8")
            self.source_name = str(path)
            self.session = self._new_session()
        self.restarting = False
        self.worker = None
        self.selected: str | None = None
        self.location: tuple[int | None, int | None] = (None, None)   # selected (line, pc)
        self.finished: str | None = None
        self.shown_status = ""
        self.shown_functions: list = []
        self.shown_event: int | None = None   # the seq of the JIT breakpoint event last selected

    def _show_source(self, name: str) -> None:
        source = self.session.source_of(name)
        self.source_name, self.source_text = name, (source.text if source is not None else "")
        self.sub_title = name

    def _new_session(self) -> Session:
        session = Session(self.policy, write=self.output.append)
        if self.slow_motion:
            session.set_slow_motion(SLOW_MOTION_SECONDS)
        return session

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Static(id="status")
                yield SourcePane(id="source")
            with Vertical(id="right"):
                yield DataTable(id="functions", cursor_type="row")
                with TabbedContent(id="views"):
                    with TabPane("Bytecode", id="tab-bytecode"):
                        yield BytecodePane(id="bytecode")
                    with TabPane("Native code", id="tab-native"):
                        yield NativePane(id="native")
                    with TabPane("Guards", id="tab-guards"):
                        yield GuardsTable(id="guards")
                        yield VerticalScroll(AssumptionsPane(id="assumptions"))
                    with TabPane("Deopts", id="tab-deopts"):
                        yield DeoptsTable(id="deopts")
                    with TabPane("Type profiles", id="tab-profiles"):
                        yield VerticalScroll(ProfilesPane(id="profiles"))
                    with TabPane("Stack", id="tab-stack"):
                        yield VerticalScroll(StackPane(id="stack"))
                    with TabPane("Warm-up", id="tab-warmup"):
                        yield VerticalScroll(WarmupChart(id="warmup"))
                    with TabPane("Compiles", id="tab-compiles"):
                        yield CompilesPane(id="compiles")
        with Horizontal(id="bottom"):
            yield Timeline(id="events")
            yield RichLog(id="output", wrap=True, markup=False, max_lines=2000)
        yield Footer()

    def on_mount(self) -> None:
        functions = self._pane("#functions", DataTable)
        for label, width in (("function", 14), ("tier", 4), ("state", 36), ("calls", 11), ("deopts", 6)):
            functions.add_column(label, width=width)
        self._pane("#source", SourcePane).border_title = "source (click a line; click its number: breakpoint)"
        self._pane("#events", Timeline).border_title = "timeline"
        self._pane("#output", RichLog).border_title = "program output"
        self.sub_title = self.source_name
        self.set_interval(REFRESH_SECONDS, self.refresh_panes)
        self.refresh_panes()
        if not self.attached:
            # After the first frame: laying out and painting the whole screen would
            # otherwise take the GIL from the program's first 0.2 s.
            self.call_after_refresh(self._start_program)

    def _start_program(self) -> None:
        # Textual's ~100k long-lived objects would make every full collection during
        # the run cost 50-150 ms: move them out of the collector's way.
        gc.collect()
        gc.freeze()
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    # ------------------------------------------------------------ running

    def run_program(self) -> None:
        """The body of the app's thread worker: compile, then run in the ``harness``'s
        deep-stack thread (no Ctrl-C here: the app stops it through the Session)."""
        session = self.session
        try:
            code = session.compile(self.source_text, self.source_name)
        except RuffSyntaxError as error:
            self.finished = error.render(session.source_of(self.source_name))
            return
        result = session.run_code(code)
        self.finished = (render_result(result, session.source_of(self.source_name)) or describe_exit(result)
                         or "program finished")

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.is_finished

    @property
    def starting(self) -> bool:
        return self.worker is None and not self.attached

    # ------------------------------------------------------------ controls

    def action_toggle_pause(self) -> None:
        if self.session.paused_at is not None:
            self.session.resume()
        elif self.running:
            self.session.pause()
        else:
            self.notify("the program is not running", severity="warning")

    def action_step(self, mode: str) -> None:
        result = self.session.step(mode)
        if not result.ok:
            self.notify(result.message, severity="warning")

    def action_toggle_breakpoint(self) -> None:
        line = self.location[0]
        if line is None:
            self.notify("select a source line first (click it)", severity="warning")
            return
        self._toggle_breakpoint(line)

    def _toggle_breakpoint(self, line: int) -> None:
        self.notify(self.session.toggle_breakpoint(line, self.source_name).message)
        self.refresh_panes()

    def action_jit_breakpoint(self) -> None:
        """Set a JIT breakpoint (an event kind, for the selected function or any), or clear them."""
        def apply(choice: tuple | None) -> None:
            if not choice:
                return
            result = (self.session.set_jit_break(choice[1], choice[2]) if choice[0] == "set"
                      else self.session.clear_jit_breaks())
            self.notify(result.message, severity="information" if result.ok else "warning")
            self.refresh_panes()

        self.push_screen(JitBreakDialog(self.selected, self.session.jit_breaks()), apply)

    def on_deopts_table_group_chosen(self, event: DeoptsTable.GroupChosen) -> None:
        """A deopt group chosen: its function, and its line and pc in every listing."""
        self._select_at(event.group.function, event.group.line, event.group.pc)

    def _select_at(self, function: str, line: int | None, pc: int | None) -> None:
        if function != self.selected:
            self.selected = function
            self.refresh_panes()
        if line is not None:
            self.select_location(line, pc)

    def _follow_jit_break(self) -> None:
        """Paused by a JIT breakpoint: select the event (its function, line and pc; a
        deopt's group in the Deopts tab) once per pause."""
        event = self.session.paused_event
        if event is None or event.seq == self.shown_event:
            return
        self.shown_event = event.seq
        if event.kind in GROUPED_KINDS:
            self._pane("#deopts", DeoptsTable).select_event(event)
            self._pane("#views", TabbedContent).active = "tab-deopts"
        self._select_at(event.function, event.line, event.pc)

    def _on_selected(self, control) -> None:
        """Apply one of the Session's controls to the selected function, and say what happened."""
        if self.selected is None:
            self.notify("no function selected yet", severity="warning")
            return
        try:
            self.notify(control(self.selected).message)
        except KeyError:
            self.notify(f"no function {self.selected}", severity="error")

    def action_force_compile(self) -> None:
        self._on_selected(self.session.force_compile)

    def action_force_deopt(self) -> None:
        self._on_selected(self.session.force_deopt)

    def action_reset_profile(self) -> None:
        self._on_selected(self.session.reset_profile)

    def action_unblacklist(self) -> None:
        self._on_selected(self.session.unblacklist)

    def action_cycle_threshold(self) -> None:
        current = self.session.policy.threshold or 1000
        following = self.THRESHOLDS[(self.THRESHOLDS.index(current) + 1) % len(self.THRESHOLDS)] \
            if current in self.THRESHOLDS else 1000
        self.session.set_threshold(following)
        self.notify(f"every hotness threshold is now {following}")

    def action_edit_policy(self) -> None:
        policy = self.session.tier_policy()
        if policy is None:
            self.notify("the JIT is off", severity="warning")
            return

        def apply(changes: dict | None) -> None:
            if not changes:
                return
            try:
                self.session.update_policy(**changes)
            except ValueError as error:
                self.notify(f"not changed: {error}", severity="error")
                return
            self.notify("policy: " + ", ".join(f"{name} = {value}" for name, value in changes.items()))

        self.push_screen(PolicyDialog(policy), apply)

    def action_toggle_slow_motion(self) -> None:
        self.slow_motion = not self.slow_motion
        self.session.set_slow_motion(SLOW_MOTION_SECONDS if self.slow_motion else 0.0)
        self.notify("slow motion: 20 ms at every loop iteration and call" if self.slow_motion else "full speed")

    def action_restart(self) -> None:
        """Stop the program (at its next safepoint) and run it again in a fresh Session."""
        if self.attached:
            self.notify("this TUI shows the REPL's session: there is no program to restart", severity="warning")
            return
        self.restarting = True
        self.session.interrupt("restarting")
        self.session.resume()

    def _start_again(self) -> None:
        breakpoints = self.session.breakpoints(self.source_name)
        jit_breaks = self.session.jit_breaks()
        self.restarting = False
        self.output.clear()
        self.session = self._new_session()
        for each in jit_breaks:
            self.session.set_jit_break(each.kind, each.function)
        for line in breakpoints:   # kept: compiling the program arms them again
            self.session.toggle_breakpoint(line, self.source_name)
        self._pane("#functions", DataTable).clear()
        self._pane("#events", Timeline).reset()
        self._pane("#output", RichLog).clear()
        self._pane("#warmup", WarmupChart).reset()
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    def action_help(self) -> None:
        keys = "\n".join(f"{binding.key.replace('question_mark', '?'):>3}  {binding.description}"
                         for binding in self.BINDINGS)
        self.notify("Click a source line to select it (its number: breakpoint); select a function in the "
                    "table: c d r u act on it; n i o step while paused.\n" + keys, title="ruffdbg keys", timeout=15)

    def get_system_commands(self, screen):
        """The same actions in Textual's command palette (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action not in ("quit", "help"):
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    # ------------------------------------------------------------ selection

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "functions":
            self.selected = str(event.row_key.value)
            if self.attached:   # a REPL session has one source per input: show the function's
                self._show_source(self.session.source_name_of(self.selected) or self.source_name)
            self.refresh_panes()

    def on_listing_view_row_clicked(self, event: ListingView.RowClicked) -> None:
        """A click on a row of source, bytecode or native code selects its location
        everywhere: the matching rows light up in the other panes."""
        row = event.row
        if row.line is None:
            return
        if event.listing.id == "source":
            if event.x < GUTTER_WIDTH:
                self._toggle_breakpoint(row.line)
                return
            function = self._function_at(row.line)
            if function is not None and function != self.selected:
                self.selected = function
                self.refresh_panes()
        self.select_location(row.line, row.pc)

    def select_location(self, line: int, pc: int | None) -> None:
        self.location = (line, pc)
        self._pane("#source", SourcePane).highlight({line - 1})
        self._pane("#bytecode", BytecodePane).highlight_location(line, pc)
        self._pane("#native", NativePane).highlight_location(line, pc)

    def _function_at(self, line: int) -> str | None:
        """The innermost function whose code covers ``line``."""
        best = None
        for name in self.session.function_names():
            lines = self.session.bytecode_lines(name)
            if lines and min(lines) - 1 <= line <= max(lines):
                span = max(lines) - min(lines)
                if best is None or span < best[0]:
                    best = (span, name)
        return best[1] if best else None

    # ------------------------------------------------------------ refresh

    def _pane(self, selector: str, kind=None):
        """A widget of the main screen (queried there: a dialog may be on top)."""
        return self.screen_stack[0].query_one(selector, kind)

    def refresh_panes(self) -> None:
        """Pull a snapshot from the Session. The VM may be mutating it: try again next tick."""
        if not self.screen_stack or not self.is_running:
            return
        if self.restarting and not self.running:
            self._start_again()
        try:
            stats = self.session.functions()
            frames = self.session.paused_frames()
        except RuntimeError:
            return
        self._refresh_status(frames)
        self._follow_jit_break()
        self._refresh_source(stats, frames)
        self._refresh_functions(stats)
        self._pane("#warmup", WarmupChart).sample(stats, REFRESH_SECONDS,
                                                  draw=self._pane("#views", TabbedContent).active == "tab-warmup")
        self._refresh_selected(stats, frames)
        self._refresh_logs()

    def _refresh_status(self, frames) -> None:
        if frames:
            top = frames[-1]
            text = f"⏸ paused in {top.function} at line {top.line}: {self.session.pause_reason}  (p continue, n/i/o step)"
        elif self.running or self.starting:
            text = "▶ running" + ("  (slow motion)" if self.slow_motion else "")
        elif self.attached:
            text = "the REPL's session (q returns to the REPL)"
        else:
            text = "■ finished  (R runs it again)"
        breakpoints = self.session.breakpoints(self.source_name) if self.source_name else []
        if breakpoints:
            text += "   breakpoints: " + ", ".join(map(str, breakpoints))
        jit_breaks = self.session.jit_breaks()
        if jit_breaks:
            text += "   JIT breaks: " + ", ".join(each.describe() for each in jit_breaks)
        if text != self.shown_status:   # (one row: no layout needed)
            self.shown_status = text
            self._pane("#status", Static).update(text, layout=False)

    def _refresh_source(self, stats, frames) -> None:
        hits: dict[int, int] = {}
        tiers: dict[int, str] = {}
        for s in stats:
            for line, count in s.line_hits.items():
                hits[line] = max(hits.get(line, 0), count)
            if s.name != "<script>":
                tiers[s.first_line] = s.tier
        breakpoints = set(self.session.breakpoints(self.source_name)) if self.source_name else set()
        self._pane("#source", SourcePane).show(self.source_text, hits, tiers, breakpoints,
                                                   frames[-1].line if frames else None)

    def _refresh_functions(self, stats) -> None:
        table = self._pane("#functions", DataTable)
        functions = [s for s in stats if s.name != "<script>"]
        if self.selected is None and functions:
            self.selected = functions[0].name
        rows = [(s.name, Text(f" {s.tier} ", style=TIER_STYLES[s.tier]), s.state + (f": {s.reason}" if s.reason else ""),
                 f"{s.calls:,}", str(s.deopts)) for s in functions]
        if table.row_count != len(rows):
            table.clear()
            for row in rows:
                table.add_row(*row, key=row[0])
        else:
            for row, shown in zip(rows, self.shown_functions):
                for column, (value, old) in enumerate(zip(row[1:], shown[1:]), 1):
                    if value != old:
                        table.update_cell_at((table.get_row_index(row[0]), column), value)
        self.shown_functions = rows

    def _refresh_selected(self, stats, frames) -> None:
        """Only the visible tab is drawn (a hidden pane's layout costs the program GIL time)."""
        tab = self._pane("#views", TabbedContent).active
        if tab == "tab-stack":
            self._pane("#stack", StackPane).show(frames, self.session.pause_reason)
        elif tab == "tab-deopts":
            self._pane("#deopts", DeoptsTable).show(self.session.deopt_groups())
        current = next((s for s in stats if s.name == self.selected), None)
        if current is None:
            return
        policy = self.session.tier_policy()
        if tab == "tab-bytecode":
            self._pane("#bytecode", BytecodePane).show(self.session, self.selected, current)
        elif tab == "tab-native":
            self._pane("#native", NativePane).show(self.session, self.selected, current)
        elif tab == "tab-guards":
            self._pane("#guards", GuardsTable).show(current.guards, policy.despecialize_rate if policy else 0.1)
            self._pane("#assumptions", AssumptionsPane).show(
                self.session.assumptions(self.selected) if self.session.jit is not None else [])
        elif tab == "tab-profiles":
            self._pane("#profiles", ProfilesPane).show(current, self.session.stability)
        elif tab == "tab-compiles":
            self._pane("#compiles", CompilesPane).show(self.session, self.selected)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id == "views":
            self.refresh_panes()   # draw the tab now, not at the next tick

    def _refresh_logs(self) -> None:
        self._pane("#events", Timeline).pull(self.session.events)
        output = self._pane("#output", RichLog)
        while self.output:
            output.write(self.output.pop(0).rstrip("\n"))
        if self.finished:
            output.write(self.finished)
            self.finished = None

    def on_unmount(self) -> None:
        gc.unfreeze()
        if not self.attached:
            self.session.interrupt("the TUI closed")
            self.session.resume()


def run_tui(path: Path | None, policy: Policy) -> int:
    RuffdbgApp(path or DEMO, policy).run()
    return 0
