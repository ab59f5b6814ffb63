"""The event log: a bounded ring buffer of typed tier events.

The JIT appends events (compiled, tier-up, deopt, ...) when they happen —
these are rare, never per instruction. Views read "everything since seq N",
so several views can follow the same log at their own pace, and a long run
cannot grow memory without limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

EVENT_KINDS = (
    "compiled", "tier-up", "osr", "deopt", "despecialized", "invalidated", "blacklisted", "not-compilable",
    "interpreted", "breakpoint", "paused", "error", "ic", "elements",
)


@dataclass(frozen=True)
class Event:
    seq: int
    time_ms: float          # since the log was created
    kind: str               # one of EVENT_KINDS
    function: str
    tier: str | None = None
    pc: int | None = None
    line: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line, in the spirit of V8's --trace-opt / --trace-deopt."""
        where = f" at pc {self.pc}, line {self.line}" if self.pc is not None else ""
        tier = f" {self.tier}" if self.tier else ""
        extra = ", ".join(f"{key}={value}" for key, value in self.detail.items())
        extra = f" ({extra})" if extra else ""
        return f"[jit {self.time_ms:9.2f} ms] {self.kind:<14} {self.function}{tier}{where}{extra}"


class EventLog:
    def __init__(self, capacity: int = 10_000):
        self._events: deque[Event] = deque(maxlen=capacity)
        self._next_seq = 0
        self._lock = threading.Lock()
        self._started = time.perf_counter()
        self.listeners: list = []   # called with each event (the CLI's --trace-jit)
        # kind -> called with each event of that kind (the debugger's JIT breakpoints):
        # one dict lookup per event, and events are rare.
        self.stops: dict[str, Callable[[Event], None]] = {}

    def add(self, kind: str, function: str, **fields: Any) -> Event:
        with self._lock:
            event = Event(self._next_seq, (time.perf_counter() - self._started) * 1000.0, kind, function, **fields)
            self._next_seq += 1
            self._events.append(event)
        for listener in self.listeners:
            listener(event)
        stop = self.stops.get(kind)
        if stop is not None:
            stop(event)
        return event

    def since(self, seq: int = 0) -> list[Event]:
        """Events with sequence number >= ``seq`` still in the buffer."""
        with self._lock:
            return [event for event in self._events if event.seq >= seq]

    def last(self, count: int) -> list[Event]:
        with self._lock:
            return list(self._events)[-count:]

    @property
    def next_seq(self) -> int:
        return self._next_seq
