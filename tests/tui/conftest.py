"""Settings for the TUI tests.

Textual's pilot waits after each key press and click until the *process* looks
idle (``textual._wait.wait_for_idle``: CPU time not advancing), for at most a
second, twice a press. While a Ruff program runs in the app's worker thread the
process is never idle, so every press cost two seconds of waiting for nothing:
the key itself was handled once the pilot's ``_wait_for_screen`` returned
(which waits for the screen's messages, not for idleness). The tests wait for
what they check with ``panes.wait_until``, so the idle wait is capped here.
"""

from __future__ import annotations

from functools import partial

import pytest
import textual.app
import textual.pilot
from textual._wait import wait_for_idle

IDLE_WAIT_SECONDS = 0.1


@pytest.fixture(autouse=True)
def _short_idle_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    capped = partial(wait_for_idle, max_sleep=IDLE_WAIT_SECONDS)
    monkeypatch.setattr(textual.app, "wait_for_idle", capped)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", capped)
