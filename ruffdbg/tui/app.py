"""``ruffdbg tui``: watch a Ruff program warm up, specialize and deoptimize, live.

The program runs on a Session in a worker thread; five times a second the
panes pull snapshots from the Session (nothing in the VM calls into the UI).
Each pane is its own module: source (source.py), bytecode (bytecode.py), native
code (native.py), guards (guards.py), type profiles (profiles.py), call stack
(stack.py), warm-up chart (warmup.py), timeline (timeline.py), compile
history (compiles.py), program output (output.py); pacing.py says when a
refresh tick may be skipped. This module lays
them out, keeps the selection (a function, and a line / pc within it) in step
across them, and turns keys, clicks and palette commands into Session calls.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane
from textual.widgets import ContentSwitcher

from ruffdbg.lang.diagnostics import RuffSyntaxError
from ruffdbg.session import Policy, Session
from ruffdbg.textviews import describe_exit, render_result
from ruffdbg.tui.bytecode import BytecodePane
from ruffdbg.tui.compiles import CompilesPane
from ruffdbg.tui.deopts import GROUPED_KINDS, DeoptsTable, JitBreakDialog
from ruffdbg.tui.functions import SCRIPT, FunctionsTable, function_rows
from ruffdbg.tui.guards import AssumptionsPane, GuardsTable
from ruffdbg.tui.listing import ListingView
from ruffdbg.tui.native import NativePane
from ruffdbg.tui.output import OutputLog
from ruffdbg.tui.pacing import RefreshPacer
from ruffdbg.tui.policy_dialog import PolicyDialog
from ruffdbg.tui.profiles import ProfilesPane
from ruffdbg.tui.source import GUTTER_WIDTH, SourcePane
from ruffdbg.tui.stack import StackPane
from ruffdbg.tui.tiertime import TierTimePane
from ruffdbg.tui.timeline import Timeline
from ruffdbg.tui.warmup import WarmupChart

DEMO = Path(__file__).with_name("demo.ruff")
REFRESH_SECONDS = 0.2
SLOW_MOTION_SECONDS = 0.02
# Program output moves to the log in batches of OUTPUT_BATCH writes for at most
# OUTPUT_BUDGET seconds a tick (a write is cheap, a few microseconds a line, but
# one may be a huge string), so a print flood cannot hold keys up. Past the
# log's own limit, older lines are skipped (they would scroll out unseen).
OUTPUT_BATCH = 500
OUTPUT_BUDGET = 0.02
OUTPUT_KEPT = 2000
TAB_KEYS = Binding.Group("Tabs", compact=True)
# While a program runs, the GC's youngest generation is collected every
# RUN_GC_THRESHOLD allocations (Python's default: 700). Each tick the UI makes
# thousands of short-lived objects (strips, segments), which at 700 set off
# about 5 collections a tick, 2-3 ms of the UI thread on the demo, and push
# survivors into the older generations, whose collections scan the program's
# heap too. (The program's own objects are collected less often as well; what
# it computes and prints is the same.) Restored when the program ends. Not
# higher: a young collection costs about 2 us per live young object, and at
# 20,000 one 0.5 s program (mandelbrot) paid 20-40 ms for one in the UI thread.
RUN_GC_THRESHOLD = 5_000
START_AT_LATEST = 1.5   # seconds after mount, if the footer is never built (the app has no focus)


class KeysFooter(Footer):
    """Textual's footer, rebuilt once for a burst of binding changes: Textual's own
    rebuilds once per change (two or three times as the app starts, 50-130 ms of
    the UI thread each, while the program runs and needs the GIL). Posts ``Built``
    after each rebuild."""

    class Built(Message):
        pass

    DEBOUNCE_SECONDS = 0.05
    rebuild_timer = None

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True   # (what Footer.bindings_changed does, but debounced)
        if self.rebuild_timer is None and screen.app.app_focus and self.is_attached and screen is self.screen:
            self.rebuild_timer = self.set_timer(self.DEBOUNCE_SECONDS, self._rebuild)

    async def _rebuild(self) -> None:
        self.rebuild_timer = None
        await self.recompose()
        self.call_after_refresh(self.post_message, self.Built())   # (after the keys are laid out)


class RuffdbgApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ruffdbg"
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/continue"),
        # Keys 1-9 show the detail tabs in their order (tabs added later get the next keys;
        # the tabs' labels carry their numbers). One group in the footer: "123456789 Tabs".
        *(Binding(str(n), f"show_tab({n})", f"Tab {n}", show=True, group=TAB_KEYS) for n in range(1, 10)),
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
        Binding("R", "restart", "Reload & restart"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]
    # Screen classes by size (app.tcss): panes stack and shrink on small terminals.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (160, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    THRESHOLDS = (1000, 100, 10, 1)

    def __init__(self, path: Path | None = None, policy: Policy | None = None, session: Session | None = None):
        """Run ``path`` in a new Session, or (``session`` given, as the REPL's
        ``:tui`` does) look at a Session whose programs already ran."""
        super().__init__()
        self.path = path
        self.policy = policy or Policy()
        self.attached = session is not None
        # The program's writes, appended by the VM thread and drained by the UI; the oldest
        # fall off past the log's own limit (counted: written - drained - pending).
        self.output: deque[str] = deque(maxlen=OUTPUT_KEPT)
        self.written = self.drained = 0
        self.error: str | None = None   # how the program failed (syntax or runtime error), once it has
        self.slow_motion = False
        if session is not None:
            self.session = session
            self.source_name = self.source_text = ""
            if session.scripts:
                self._show_source(session.scripts[-1].source)
        else:
            self.source_text = path.read_text(encoding="utf-8")
            self.source_name = str(path)
            self.session = self._new_session()
        self.load_error: str | None = None   # R found the file unreadable
        self.restarting = False
        self.worker = None
        self.selected: str | None = None        # the code the detail panes show
        self.selected_row: str | None = None    # its row in the functions table (a loop's: NAME@PC)
        self.chosen = False                     # the user selected something (else: the first function)
        self.location: tuple[int | None, int | None] = (None, None)   # selected (line, pc)
        self.finished: str | None = None
        self.shown_status = ""
        self.shown_event: int | None = None   # the seq of the JIT breakpoint event last selected
        self.pacer = RefreshPacer()

    def _show_source(self, name: str) -> None:
        source = self.session.source_of(name)
        self.source_name, self.source_text = name, (source.text if source is not None else "")
        self.sub_title = name

    def _new_session(self) -> Session:
        session = Session(self.policy, write=self._write)
        if self.slow_motion:
            session.set_slow_motion(SLOW_MOTION_SECONDS)
        return session

    def _write(self, text: str) -> None:
        """The program's output (called on the VM thread: only counts and appends)."""
        self.written += 1
        self.output.append(text)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static(id="status")
                yield SourcePane(id="source")
            with Vertical(id="right"):
                yield FunctionsTable(id="functions")
                with TabbedContent(id="views"):
                    with TabPane("Bytecode", id="tab-bytecode"):
                        yield BytecodePane(id="bytecode")
                    with TabPane("Native code", id="tab-native"):
                        yield NativePane(id="native")
                    with TabPane("Guards", id="tab-guards"):
                        yield GuardsTable(id="guards")
                        yield VerticalScroll(AssumptionsPane(id="assumptions"))
                    with TabPane("Type profiles", id="tab-profiles"):
                        yield VerticalScroll(ProfilesPane(id="profiles"))
                    with TabPane("Stack", id="tab-stack"):
                        yield VerticalScroll(StackPane(id="stack"))
                    with TabPane("Warm-up", id="tab-warmup"):
                        yield VerticalScroll(WarmupChart(id="warmup"))
                    with TabPane("Deopts", id="tab-deopts"):
                        yield DeoptsTable(id="deopts")
                    with TabPane("Time", id="tab-time"):
                        yield VerticalScroll(TierTimePane(id="tiertime"))
                    with TabPane("Compiles", id="tab-compiles"):
                        yield CompilesPane(id="compiles")
        with Horizontal(id="bottom"):
            yield Timeline(id="events")
            yield OutputLog(id="output", max_lines=OUTPUT_KEPT)
        yield KeysFooter()

    def on_mount(self) -> None:
        self._pane("#source", SourcePane).border_title = "source (click a line; click its number: breakpoint)"
        self._pane("#events", Timeline).border_title = "timeline"
        self._pane("#output", OutputLog).border_title = "program output"
        self.sub_title = self.source_name
        self._number_tabs()
        self.refresh_panes()
        if self.attached:
            self.set_interval(REFRESH_SECONDS, self.refresh_panes)
        else:
            # Once the screen is built (the footer's keys depend on the focus, set
            # after the first frame): laying it out and painting it would otherwise
            # take the GIL from the program's first 0.2-0.3 s.
            self.set_timer(START_AT_LATEST, self._start_program)

    def on_keys_footer_built(self, event: KeysFooter.Built) -> None:
        # (one more refresh: the footer's new keys are laid out by the screen's next update)
        self.call_after_refresh(self._start_program)

    def _start_program(self) -> None:
        if self.worker is not None or self.attached:
            return
        # Textual's ~100k long-lived objects would make every full collection during
        # the run cost 50-150 ms: move them out of the collector's way.
        gc.collect()
        gc.freeze()
        # The panes refresh from now on, a full period after the start: the screen
        # was just drawn, and before the start there was nothing new to pull.
        self.pacer.start()
        self.set_interval(REFRESH_SECONDS, self._tick)
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    # ------------------------------------------------------------ running

    def run_program(self) -> None:
        """The body of the app's thread worker: compile, then run in the ``harness``'s
        deep-stack thread (no Ctrl-C here: the app stops it through the Session)."""
        thresholds = gc.get_threshold()
        gc.set_threshold(max(RUN_GC_THRESHOLD, thresholds[0]), *thresholds[1:])
        try:
            self._run_program()
        finally:
            gc.set_threshold(*thresholds)

    def _run_program(self) -> None:
        session = self.session
        if self.load_error is not None:
            self.error, self.finished = self.load_error, self.load_error
            return
        try:
            code = session.compile(self.source_text, self.source_name, whole_program=True)
        except RuffSyntaxError as error:
            self.error = f"line {error.line}: {error.message}"
            self.finished = error.render(session.source_of(self.source_name))
            return
        result = session.run_code(code)
        if result.error is not None:
            self.error = result.error.message
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
            what = "top-level code: c d r u act on functions" if self.selected == SCRIPT else "no such function"
            self.notify(f"{self.selected}: {what}", severity="warning")

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
        self._reload()
        self.output.clear()
        self.written = self.drained = 0
        self.error = None
        self.session = self._new_session()
        for each in jit_breaks:
            self.session.set_jit_break(each.kind, each.function)
        for line in breakpoints:   # kept: compiling the program arms them again
            self.session.toggle_breakpoint(line, self.source_name)
        self._pane("#functions", FunctionsTable).show([], None)
        self._pane("#events", Timeline).reset()
        self._pane("#output", OutputLog).clear()
        self._pane("#warmup", WarmupChart).reset()
        self.pacer.start()
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    def _reload(self) -> None:
        """Read the file again: an edited program runs in its new form (a file that
        cannot be read any more fails the run with a one-line diagnostic)."""
        try:
            self.source_text = self.path.read_text(encoding="utf-8")
            self.load_error = None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self.load_error = f"cannot read {self.source_name}: {reason}"

    def _detail_tabs(self) -> list[TabPane]:
        switcher = self._pane("#views", TabbedContent).query_children(ContentSwitcher).first()
        return list(switcher.query_children(TabPane))

    def _number_tabs(self) -> None:
        """Label each detail tab with the key that shows it ("1 Bytecode")."""
        views = self._pane("#views", TabbedContent)
        for number, pane in enumerate(self._detail_tabs()[:9], 1):
            tab = views.get_tab(pane)
            tab.label = f"{number} {tab.label.plain}"

    def action_show_tab(self, number: int) -> None:
        """Show the ``number``-th detail tab (1: Bytecode, 2: Native code, ...)."""
        panes = self._detail_tabs()
        if number <= len(panes):
            self._pane("#views", TabbedContent).active = panes[number - 1].id

    def action_help(self) -> None:
        keys = "\n".join(f"{binding.key.replace('question_mark', '?'):>3}  {binding.description}"
                         for binding in self.BINDINGS)
        self.notify("Click a source line to select it (its number: breakpoint), or move with the arrow keys; "
                    "select a function, <script> or an OSR loop in the table (click, arrows): c d r u act on it; "
                    "1-9 show the tabs; Tab moves between panes; n i o step while paused.\n" + keys,
                    title="ruffdbg keys", timeout=15)

    def get_system_commands(self, screen):
        """The same actions in Textual's command palette (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action not in ("quit", "help"):
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    # ------------------------------------------------------------ selection

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor moved to a row (one click, or an arrow key): select its code."""
        table = event.data_table
        # Rebuilding the table moves its cursor: only a row the user moved it to counts.
        if isinstance(table, FunctionsTable) and event.row_key.value == table.chosen_key:
            self._select_row(table, str(event.row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, FunctionsTable):
            self._select_row(event.data_table, str(event.row_key.value))

    def _select_row(self, table: FunctionsTable, key: str) -> None:
        row = table.row_for(key)
        if row is None:
            return
        self.selected_row, self.selected, self.chosen = key, row.function, True
        if self.attached:   # a REPL session has one source per input: show the function's
            self._show_source(self.session.source_name_of(self.selected) or self.source_name)
        self.refresh_panes()
        if row.line is not None:   # an OSR loop: its header
            self.select_location(row.line, row.pc)

    def on_listing_view_row_clicked(self, event: ListingView.RowClicked) -> None:
        """A click on a row of source, bytecode or native code selects its location
        everywhere: the matching rows light up in the other panes."""
        row = event.row
        if row.line is None:
            return
        if event.listing.id == "source":
            if event.x is not None and event.x < GUTTER_WIDTH:
                self._toggle_breakpoint(row.line)
                return
            function = self._function_at(row.line)
            if function is not None and function != self.selected:
                self.selected = self.selected_row = function
                self.chosen = True
                self.refresh_panes()
        self.select_location(row.line, row.pc)

    def select_location(self, line: int, pc: int | None) -> None:
        self.location = (line, pc)
        self._pane("#source", SourcePane).highlight({line - 1})
        self._pane("#bytecode", BytecodePane).highlight_location(line, pc)
        self._pane("#native", NativePane).highlight_location(line, pc)

    def _function_at(self, line: int) -> str:
        """The innermost function whose code covers ``line`` (else the top-level code)."""
        best = None
        for name in self.session.function_names():
            lines = self.session.bytecode_lines(name)
            if lines and min(lines) - 1 <= line <= max(lines):
                span = max(lines) - min(lines)
                if best is None or span < best[0]:
                    best = (span, name)
        return best[1] if best else SCRIPT   # top-level code

    # ------------------------------------------------------------ refresh

    def _pane(self, selector: str, kind=None):
        """A widget of the main screen (queried there: a dialog may be on top)."""
        return self.screen_stack[0].query_one(selector, kind)

    def _tick(self) -> None:
        """The refresh interval: refresh unless the UI has had its share of the CPU (pacing.py)."""
        busy = self.running and not self.slow_motion and self.session.paused_at is None
        if self.pacer.due(busy):
            self.refresh_panes()

    def refresh_panes(self) -> None:
        """Pull a snapshot from the Session. The VM may be mutating it: try again next tick."""
        if not self.screen_stack or not self.is_running:
            return
        if self.restarting and not self.running:
            self._start_again()
        try:
            now = time.perf_counter()
            stats = self.session.functions()
            frames = self.session.paused_frames()
        except RuntimeError:
            return
        self._refresh_status(frames)
        self._follow_jit_break()
        self._refresh_source(stats, frames)
        self._refresh_functions(stats)
        self._pane("#warmup", WarmupChart).sample(stats, now, running=self.running and not frames,
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
        elif self.error is not None:
            text = f"✖ error: {self.error}  (R reloads the file and runs it again)"
        else:
            text = "■ finished  (R reloads the file and runs it again)"
        breakpoints = self.session.breakpoints(self.source_name) if self.source_name else []
        if breakpoints:
            text += "   breakpoints: " + ", ".join(map(str, breakpoints))
        jit_breaks = self.session.jit_breaks()
        if jit_breaks:
            text += "   JIT breaks: " + ", ".join(each.describe() for each in jit_breaks)
        if text != self.shown_status:   # (one row: no layout needed)
            self.shown_status = text
            status = self._pane("#status", Static)
            status.set_class(text.startswith("✖"), "error")
            status.update(text, layout=False)

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
        rows = function_rows(stats)
        owner = self.selected_row.rsplit("@", 1)[0] if self.selected_row else None   # (a loop's key: NAME@PC)
        if self.selected is not None and owner != self.selected:   # a caller set ``selected``
            self.selected_row, self.chosen = self.selected, True
        if not self.chosen and rows:   # until the user chooses: the first function, else the script
            first = next((row for row in rows if row.function != SCRIPT), rows[0])
            self.selected = self.selected_row = first.key
        self._pane("#functions", FunctionsTable).show(rows, self.selected_row)

    def _refresh_selected(self, stats, frames) -> None:
        """Only the visible tab is drawn (a hidden pane's layout costs the program GIL time)."""
        tab = self._pane("#views", TabbedContent).active
        if tab == "tab-stack":
            self._pane("#stack", StackPane).show(frames, self.session.pause_reason)
        elif tab == "tab-deopts":
            self._pane("#deopts", DeoptsTable).show(self.session.deopt_groups())
        elif tab == "tab-time":   # (every function's time: shown whatever is selected)
            self._pane("#tiertime", TierTimePane).show(self.session.tier_times(), self.selected)
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
        self._drain_output()
        if self.finished and not self.output:
            failed = self.error is not None
            self._pane("#output", OutputLog).write_line(self.finished, "bold red" if failed else "")
            self.finished = None

    def _drain_output(self) -> None:
        """Move a bounded part of the program's output to the log (see OUTPUT_BUDGET)."""
        output = self._pane("#output", OutputLog)
        skipped = self.written - self.drained - len(self.output)   # (fell off the deque's left end)
        if skipped > 0:
            output.write_line(f"… {skipped:,} writes not shown (printed faster than shown)", "dim")
            self.drained += skipped
        deadline = time.perf_counter() + OUTPUT_BUDGET
        while self.output and time.perf_counter() < deadline:   # (the VM thread only appends)
            batch = [self.output.popleft() for _ in range(min(OUTPUT_BATCH, len(self.output)))]
            self.drained += len(batch)
            output.write("".join(batch))

    def on_unmount(self) -> None:
        gc.unfreeze()
        if not self.attached:
            self.session.interrupt("the TUI closed")
            self.session.resume()


def run_tui(path: Path | None, policy: Policy) -> int:
    RuffdbgApp(path or DEMO, policy).run()
    return 0
