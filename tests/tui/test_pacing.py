"""The panes refresh less often when a refresh costs the running program more
than its share: measured with the clocks the pacer is given."""

from __future__ import annotations

from ruffdbg.tui.pacing import FIRST_SECONDS, LONGEST_SECONDS, UI_SHARE, RefreshPacer


class Clocks:
    """Wall time, the UI thread's CPU time and the process's CPU time, moved by hand."""

    def __init__(self) -> None:
        self.wall = self.ui = self.process = 0.0

    def advance(self, wall: float, ui: float, program: float) -> None:
        self.wall += wall
        self.ui += ui
        self.process += ui + program

    def clocks(self):
        return (lambda: self.wall, lambda: self.ui, lambda: self.process)


def test_a_refresh_waits_while_the_ui_had_more_than_its_share():
    time = Clocks()
    pacer = RefreshPacer(time.clocks())
    time.advance(0.2, ui=0.001, program=0.190)    # the first refresh waits FIRST_SECONDS
    assert not pacer.due(busy=True) and FIRST_SECONDS > 0.2
    time.advance(0.2, ui=0.001, program=0.190)
    assert pacer.due(busy=True)
    time.advance(0.2, ui=0.010, program=0.190)    # a quiet machine: 5% of the program's time
    assert pacer.due(busy=True)
    time.advance(0.2, ui=0.025, program=0.090)    # loaded: the program got half a CPU
    assert not pacer.due(busy=True)
    time.advance(0.2, ui=0.001, program=0.100)    # (the interval goes on: UI 26 ms, program 190 ms)
    assert not pacer.due(busy=True)
    time.advance(0.2, ui=0.001, program=0.100)    # UI 27 ms < 10% of 290 ms
    assert pacer.due(busy=True) and pacer.skipped == 3
    assert UI_SHARE * 0.290 > 0.027 > UI_SHARE * 0.190


def test_paused_idle_or_long_waits_always_refresh():
    time = Clocks()
    pacer = RefreshPacer(time.clocks())
    time.advance(0.25, ui=0.030, program=0.0)     # paused, slow motion or finished: not busy
    assert pacer.due(busy=False)                   # (even the first)
    time.advance(0.25, ui=0.004, program=0.001)   # a sleeping program: the UI costs it nothing
    assert pacer.due(busy=True)
    for _ in range(int(LONGEST_SECONDS / 0.25) - 1):   # (ticks late by 0.05 s: a busy UI thread)
        time.advance(0.25, ui=0.050, program=0.050)
        assert not pacer.due(busy=True)
    time.advance(0.25, ui=0.050, program=0.050)    # never more than LONGEST_SECONDS without one
    assert pacer.due(busy=True)
