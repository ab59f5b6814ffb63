"""``ruffdbg tui``: watch a Ruff program warm up, specialize and deoptimize, live.

The program runs on a Session in a worker thread; the panes pull snapshots
from the Session five times a second (nothing in the VM calls into the UI).
This first version shows: the source with per-line heat and each function's
tier badge; the functions with tier, state, calls and deopts (select one to
focus the other panes); its bytecode with counts and type feedback; its LLVM
IR and assembly; its guards with live pass/fail counts; the tier events; and
the program's output. ``p`` pauses and resumes (at safepoints, in any tier).
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, RichLog, Static, TabbedContent, TabPane

from ruffdbg.lang.diagnostics import RuffSyntaxError, render_runtime_error
from ruffdbg.session import Policy, Session

DEMO = Path(__file__).with_name("demo.ruff")
REFRESH_SECONDS = 0.2
TIER_STYLES = {"T0": "white on grey23", "T1": "black on yellow", "T2": "black on green"}
TIER_COLOURS = {"T0": "grey62", "T1": "yellow", "T2": "green"}


class SourcePane(Static):
    """The program with line numbers, per-line hit counts, and tier badges on ``func`` lines."""

    def show(self, text: str, line_hits: dict[int, int], tiers: dict[int, str], paused_line: int | None) -> None:
        out = Text(no_wrap=True, overflow="ellipsis")   # long lines are cut, not wrapped: rows stay lines
        for number, line in enumerate(text.splitlines(), 1):
            hits = line_hits.get(number, 0)
            out.append(f"{number:>4} ", style="bold yellow" if number == paused_line else "dim")
            out.append(f"{hits:>9} " if hits else " " * 10, style="cyan")
            tier = tiers.get(number)
            if tier:
                out.append(f" {tier} ", style=TIER_STYLES[tier])
                out.append(" ")
            out.append(line + "\n", style="reverse" if number == paused_line else "")
        self.update(out)


class WarmupChart(Static):
    """Calls per second of each function over time, one column per refresh, each
    column coloured by the tier the function was in: the warm-up curve, drawn."""

    BARS = " ▁▂▃▄▅▆▇█"
    WIDTH = 60

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.history: dict[str, list[tuple[float, str]]] = {}
        self.last_calls: dict[str, int] = {}

    def reset(self) -> None:
        self.history.clear()
        self.last_calls.clear()

    def sample(self, stats, seconds: float) -> None:
        for s in stats:
            if s.name == "<script>":
                continue
            rate = (s.calls - self.last_calls.get(s.name, 0)) / seconds
            self.last_calls[s.name] = s.calls
            column = self.history.setdefault(s.name, [])
            column.append((rate, s.tier))
            del column[:-self.WIDTH]
        self.update(self.render_chart())

    def render_chart(self) -> Text:
        out = Text()
        for name, column in self.history.items():
            peak = max(rate for rate, _ in column) or 1.0
            out.append(f"{name[:12]:<12} ", style="bold")
            for rate, tier in column:
                bar = self.BARS[min(len(self.BARS) - 1, round(rate / peak * (len(self.BARS) - 1)))]
                out.append(bar, style=TIER_COLOURS[tier])
            out.append(f"  {column[-1][0]:,.0f} calls/s\n")
        out.append("\ncolour = tier: ", style="dim")
        for tier, colour in TIER_COLOURS.items():
            out.append(f"{tier} ", style=colour)
        return out


class RuffdbgApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ruffdbg"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("p", "toggle_pause", "Pause/resume"),
        Binding("c", "force_compile", "Compile"),
        Binding("d", "force_deopt", "Deopt"),
        Binding("r", "reset_profile", "Reset profile"),
        Binding("u", "unblacklist", "Un-blacklist"),
        Binding("t", "cycle_threshold", "Threshold"),
        Binding("s", "toggle_slow_motion", "Slow motion"),
        Binding("R", "restart", "Restart"),
        Binding("question_mark", "help", "Help"),
    ]
    THRESHOLDS = (1000, 100, 10, 1)

    def __init__(self, path: Path, policy: Policy | None = None):
        super().__init__()
        self.path = path
        self.source_text = path.read_text(encoding="utf-8")
        self.output: list[str] = []
        self.policy = policy or Policy()
        self.session = Session(self.policy, write=self.output.append)
        self.slow_motion = False
        self.restarting = False
        self.worker = None
        self.selected: str | None = None
        self.shown_native_for: tuple | None = None
        self.event_seq = 0
        self.finished: str | None = None
        self.paused = False
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with VerticalScroll(id="source-box"):
                yield SourcePane(id="source")
            with Vertical(id="right"):
                yield DataTable(id="functions", cursor_type="row")
                with TabbedContent(id="views"):
                    with TabPane("Bytecode", id="tab-bytecode"):
                        yield VerticalScroll(Static(id="bytecode"))
                    with TabPane("LLVM IR", id="tab-ir"):
                        yield VerticalScroll(Static(id="ir"))
                    with TabPane("Assembly", id="tab-asm"):
                        yield VerticalScroll(Static(id="asm"))
                    with TabPane("Guards", id="tab-guards"):
                        yield DataTable(id="guards")
                    with TabPane("Type profiles", id="tab-profiles"):
                        yield VerticalScroll(Static(id="profiles"))
                    with TabPane("Stack", id="tab-stack"):
                        yield VerticalScroll(Static(id="stack"))
                    with TabPane("Warm-up", id="tab-warmup"):
                        yield VerticalScroll(WarmupChart(id="warmup"))
        with Horizontal(id="bottom"):
            yield RichLog(id="events", wrap=False, markup=False)
            yield RichLog(id="output", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#functions", DataTable).add_columns("function", "tier", "state", "calls", "deopts")
        self.query_one("#guards", DataTable).add_columns("#", "kind", "line", "pass", "fail", "checks")
        self.query_one("#events", RichLog).border_title = "tier events"
        self.query_one("#output", RichLog).border_title = "program output"
        self.sub_title = str(self.path)
        self.set_interval(REFRESH_SECONDS, self.refresh_panes)
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    # ------------------------------------------------------------ running

    def run_program(self) -> None:
        try:
            code = self.session.compile(self.source_text, str(self.path))
        except RuffSyntaxError as error:
            self.finished = error.render(self.session.source_of(str(self.path)))
            return
        result = self.session.run_code(code)
        source = self.session.source_of(str(self.path))
        if result.error is not None:
            self.finished = render_runtime_error(result.error.message, result.error.stack, source)
        elif result.interrupted is not None:
            self.finished = render_runtime_error(result.interrupted.reason, result.interrupted.stack, source,
                                                 label="interrupted")
        else:
            self.finished = "program finished"

    def action_toggle_pause(self) -> None:
        if self.paused:
            self.session.resume()
        else:
            self.session.pause()
        self.paused = not self.paused

    def _on_selected(self, control) -> None:
        """Apply one of the Session's controls to the selected function, and say what happened."""
        if self.selected is None:
            self.notify("no function selected yet", severity="warning")
            return
        try:
            self.notify(control(self.selected))
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

    def action_toggle_slow_motion(self) -> None:
        self.slow_motion = not self.slow_motion
        self.session.set_slow_motion(0.02 if self.slow_motion else 0.0)
        self.notify("slow motion: 20 ms at every loop iteration and call" if self.slow_motion else "full speed")

    def action_restart(self) -> None:
        """Stop the program (at its next safepoint) and run it again in a fresh Session."""
        self.restarting = True
        self.session.interrupt("restarting")
        self.session.resume()

    def _start_again(self) -> None:
        self.restarting = False
        self.output.clear()
        self.session = Session(self.policy, write=self.output.append)
        if self.slow_motion:
            self.session.set_slow_motion(0.02)
        self.event_seq = 0
        self.shown_native_for = None
        self.paused = False
        self.query_one("#functions", DataTable).clear()
        for log in ("#events", "#output"):
            self.query_one(log, RichLog).clear()
        self.query_one("#warmup", WarmupChart).reset()
        self.worker = self.run_worker(self.run_program, thread=True, exclusive=True)

    def action_help(self) -> None:
        keys = "\n".join(f"{binding.key.replace('question_mark', '?'):>3}  {binding.description}"
                         for binding in self.BINDINGS)
        self.notify("Select a function in the table; the keys act on it.\n" + keys, title="ruffdbg keys",
                    timeout=10)

    def get_system_commands(self, screen):
        """The same actions in Textual's command palette (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action not in ("quit", "help"):
                yield SystemCommand(binding.description, f"key {binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "functions":
            self.selected = str(event.row_key.value)
            self.shown_native_for = None

    # ------------------------------------------------------------ refresh

    def refresh_panes(self) -> None:
        """Pull a snapshot from the Session. The VM may be mutating it: try again next tick."""
        if self.restarting and self.worker is not None and self.worker.is_finished:
            self._start_again()
        try:
            stats = self.session.functions()
        except RuntimeError:
            return
        self._refresh_source(stats)
        self._refresh_functions(stats)
        self.query_one("#warmup", WarmupChart).sample(stats, REFRESH_SECONDS)
        self._refresh_selected(stats)
        self._refresh_logs()

    def _refresh_source(self, stats) -> None:
        hits: dict[int, int] = {}
        tiers: dict[int, str] = {}
        for s in stats:
            for line, count in s.line_hits.items():
                hits[line] = max(hits.get(line, 0), count)
            if s.name != "<script>":
                tiers[s.first_line] = s.tier
        paused = self.session.paused_at
        self.query_one("#source", SourcePane).show(self.source_text, hits, tiers, paused[-1].line if paused else None)

    def _refresh_functions(self, stats) -> None:
        table = self.query_one("#functions", DataTable)
        functions = [s for s in stats if s.name != "<script>"]
        if self.selected is None and functions:
            self.selected = functions[0].name
        rows = [(s.name, Text(f" {s.tier} ", style=TIER_STYLES[s.tier]), s.state, str(s.calls), str(s.deopts))
                for s in functions]
        if table.row_count != len(rows):
            table.clear()
            for row in rows:
                table.add_row(*row, key=row[0])
        else:
            for row in rows:
                for column, value in enumerate(row[1:], 1):
                    table.update_cell_at((table.get_row_index(row[0]), column), value)

    def _refresh_selected(self, stats) -> None:
        if self.selected is None:
            return
        current = next((s for s in stats if s.name == self.selected), None)
        if current is None:
            return
        self.query_one("#bytecode", Static).update(_listing(self.session.disassemble(self.selected, counts=True)))
        guards = self.query_one("#guards", DataTable)
        guards.clear()
        for g in current.guards:
            guards.add_row(str(g.id), g.kind, str(g.line), str(g.passed), str(g.failed), g.detail)
        self.query_one("#profiles", Static).update(_profiles_text(current))
        self.query_one("#stack", Static).update(_stack_text(self.session.paused_frames()))
        key = (self.selected, len(current.compiles))
        if current.compiles and key != self.shown_native_for:
            self.shown_native_for = key
            tier = int(current.tier[1]) or 2
            self.query_one("#ir", Static).update(_listing(self.session.native_text(self.selected, "ir", tier)))
            self.query_one("#asm", Static).update(_listing(self.session.native_text(self.selected, "asm", tier)))

    def _refresh_logs(self) -> None:
        events = self.query_one("#events", RichLog)
        for event in self.session.events.since(self.event_seq):
            events.write(event.describe())
            self.event_seq = event.seq + 1
        output = self.query_one("#output", RichLog)
        while self.output:
            output.write(self.output.pop(0).rstrip("\n"))
        if self.finished:
            output.write(self.finished)
            self.finished = None

    def on_unmount(self) -> None:
        self.session.interrupt("the TUI closed")
        self.session.resume()


def _listing(text: str) -> Text:
    """A listing pane's text: one row per line, cut at the pane's edge rather than wrapped."""
    return Text(text, no_wrap=True, overflow="ellipsis")


def _profiles_text(stats) -> Text:
    """Types with percentages and samples per argument, local and site, against the 60 / 90 % rule."""
    out = Text()
    for kind, profiles in (("arg", stats.args), ("local", stats.locals)):
        for profile in profiles:
            shares = ", ".join(f"{name} {count * 100 / profile.samples:.0f}%"
                               for name, count in sorted(profile.counts.items(), key=lambda kv: -kv[1]))
            verdict = ("stable", "green") if profile.stable else ("unstable", "red")
            out.append(f"{kind} {profile.name}: {shares or 'no samples'} ({profile.samples} samples, ")
            out.append(verdict[0], style=verdict[1])
            out.append(")\n")
    out.append("\nsites (pc, line, op: types seen)\n", style="bold")
    for site in stats.sites:
        seen = " | ".join(f"{','.join(key)} x{count}" for key, count in site.counts.items()) or "-"
        out.append(f"  pc {site.pc:<4} line {site.line:<4} {site.opcode:<14} {site.state:<13} {seen}\n")
    return out


def _stack_text(frames) -> Text:
    """The call stack and locals of a paused program (innermost last)."""
    if not frames:
        return Text("running (press p to pause and see the stack)")
    out = Text()
    for frame in frames:
        out.append(f"{frame.function} line {frame.line} ", style="bold")
        out.append(f" {frame.tier} ", style=TIER_STYLES.get(frame.tier, ""))
        out.append("\n")
        for name, value, kind in frame.locals:
            out.append(f"    {name} = {value}  ({kind})\n")
    return out


def run_tui(path: Path | None, policy: Policy) -> int:
    RuffdbgApp(path or DEMO, policy).run()
    return 0
