"""PolicyDialog: edit the JIT's thresholds (``e``), a modal form of inputs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

# (policy field, label): the settings a person tuning warm-up wants to move.
FIELDS = (
    ("t2_calls", "calls before a function is compiled"),
    ("osr_backedges", "loop iterations before OSR"),
    ("stable_samples", "samples for a stable profile"),
    ("stable_share", "share of one type for stable (0-1)"),
    ("despecialize_rate", "guard failure rate to despecialize (0-1)"),
    ("blacklist_after", "despecializations before blacklisting"),
)


class PolicyDialog(ModalScreen[dict | None]):
    """Dismissed with the changed fields (as text), or None when cancelled."""

    DEFAULT_CSS = """
    PolicyDialog { align: center middle; }
    PolicyDialog > Grid { grid-size: 2; grid-columns: 44 16; grid-rows: 3; width: 64; height: auto;
                          border: round $primary; padding: 0 1; background: $surface; }
    PolicyDialog Label { padding: 1 0 0 0; }
    PolicyDialog Horizontal { column-span: 2; height: 3; align: right middle; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, policy) -> None:
        super().__init__()
        self.policy = policy

    def compose(self) -> ComposeResult:
        with Grid():
            for name, label in FIELDS:
                yield Label(label)
                yield Input(str(getattr(self.policy, name)), id=name)
            with Horizontal():
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.action_cancel()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        changes = {name: self.query_one(f"#{name}", Input).value.strip() for name, _ in FIELDS}
        self.dismiss({name: value for name, value in changes.items() if value != str(getattr(self.policy, name))})

    def action_cancel(self) -> None:
        self.dismiss(None)
