"""The deopt explorer: why native code gave up, grouped, with counts and times.

Every ``deopt`` event, and every event that takes native code away from a
function (``invalidated``, ``despecialized``, ``blacklisted``), is folded into
a ``DeoptGroup`` keyed by (kind, function, pc, line, guard kind, reason) — function x
guard x reason, where a guard is the check at a pc (and its line: two methods
may share a name) (its id differs between the
units of a function: each group keeps the (unit, guard id) exits it came
through, the latest ``EXITS_KEPT``, and counts the others). The log listens to the event log as events are added (rare, cold
paths), so its counts stay exact after the ring buffer has dropped old events.

The record is not deopt-specific: inline-cache transitions (``ic`` events,
profile/ics.py) are grouped the same way, function x site x transition (their
reason is ``p.x: mono -> poly``; ``cause`` the shape of the latest one), and a
new kind of transition (an elements-kind change, once the VM has one) is one
more event kind in ``GROUPED_KINDS`` with its ``reason`` and, where it has one,
its ``pc``; views list it like the others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Callable

from ruffdbg.core.events import Event

# Event kinds the explorer groups, in the order views list them.
# Events that say a site or an array moved along its lattice: an inline cache's
# state, an array's element kind.
TRANSITION_KINDS = ("ic", "elements")
GROUPED_KINDS = ("deopt", "invalidated", "despecialized", "blacklisted", "ic", "elements")
# The exits a group lists: its latest ones. A group can gather an exit per unit
# for good (a function redefined every round of a long REPL session: one
# "invalidated" group, an exit for each unit retired), the rest is counted.
EXITS_KEPT = 32


@dataclass(frozen=True)
class DeoptExit:
    """One way out of native code a group came through: the unit, its guard id and
    the IR block of that guard's deopt exit (None: not known, say a retired unit)."""

    unit: int | None
    guard: int | None
    block: str | None = None


@dataclass(frozen=True)
class DeoptGroup:
    kind: str                  # an event kind of GROUPED_KINDS
    function: str
    reason: str                # what failed ("x: expected int, got float"), or the assumption that broke
    count: int
    first_ms: float            # since the session started (the event log's clock)
    last_ms: float
    tier: str | None           # the tier left (T1 / T2)
    pc: int | None             # where the interpreter resumed (deopts)
    line: int | None
    guard_kind: str | None     # type, overflow, call-result, ... (deopts)
    exits: tuple[DeoptExit, ...] = ()   # the (unit, guard)s it came through, oldest first (the latest EXITS_KEPT)
    last_seq: int = 0          # the latest event's sequence number (views select it)
    cause: str | None = None   # what caused the latest event: the new shape of an ``ic`` transition
    earlier_exits: int = 0     # exits it came through before those listed (no longer listed)

    @property
    def key(self) -> tuple:
        """Its ``group_key``: what every event of the group has in common."""
        return self.kind, self.function, self.pc, self.line, self.guard_kind, self.reason

    @property
    def guard(self) -> int | None:
        """The guard id of the latest exit (ids are per unit)."""
        return self.exits[-1].guard if self.exits else None

    @property
    def exit_block(self) -> str | None:
        return self.exits[-1].block if self.exits else None


def group_key(event: Event) -> tuple:
    """The group an event falls in: (kind, function, pc, line, guard kind, reason)."""
    detail = event.detail
    # A despecialization's reason counts failures (different every time): the
    # assumption that broke names it. Everything else says why in its reason.
    reason = detail.get("assumption") if event.kind == "despecialized" else None
    if event.kind in TRANSITION_KINDS:
        reason = f"{detail.get('site')}: {detail.get('old')} -> {detail.get('new')}"
    reason = reason or detail.get("reason", "")
    return event.kind, event.function, event.pc, event.line, detail.get("guard_kind"), str(reason)


class DeoptLog:
    """Groups as they accumulate (an ``EventLog`` listener); safe to read from any thread.
    Each group is tallied in place (``_Tally``) and made a ``DeoptGroup`` when a
    view asks: an array's first push logs an ``elements`` event each time, and
    remaking a frozen record per event cost a program building many small arrays
    a tenth of its time."""

    def __init__(self) -> None:
        self._groups: dict[tuple, _Tally] = {}
        self._lock = threading.Lock()

    def add(self, event: Event) -> None:
        if event.kind not in GROUPED_KINDS:
            return
        key = group_key(event)
        unit = event.detail.get("unit")
        exit_ = DeoptExit(unit, event.detail.get("guard")) if unit is not None or "guard" in event.detail else None
        with self._lock:
            tally = self._groups.get(key)
            if tally is None:
                kind, function, pc, line, guard_kind, reason = key
                first = DeoptGroup(kind, function, reason, 1, event.time_ms, event.time_ms, event.tier, pc, line,
                                   guard_kind, last_seq=event.seq, cause=event.detail.get("shape"))
                self._groups[key] = tally = _Tally(first)
            else:
                tally.seen(event)
            if exit_ is not None and exit_ not in tally.exits:
                tally.exits.append(exit_)
                if len(tally.exits) > EXITS_KEPT:
                    del tally.exits[0]
                    tally.earlier_exits += 1

    def groups(self, function: str | None = None,
               block_of: Callable[[int, int], str | None] | None = None) -> list[DeoptGroup]:
        """Groups (of ``function``, or all), most frequent first; ``block_of(unit, guard)``
        names each exit's IR block."""
        with self._lock:
            groups = [tally.group() for tally in self._groups.values()
                      if function is None or tally.first.function == function]
        if block_of is not None:
            groups = [replace(group, exits=tuple(_named(exit_, block_of) for exit_ in group.exits)) for group in groups]
        order = {kind: index for index, kind in enumerate(GROUPED_KINDS)}
        return sorted(groups, key=lambda g: (order.get(g.kind, len(order)), -g.count, g.first_ms))


def _named(exit_: DeoptExit, block_of: Callable[[int, int], str | None]) -> DeoptExit:
    if exit_.unit is None or exit_.guard is None:
        return exit_
    return replace(exit_, block=block_of(exit_.unit, exit_.guard))


class _Tally:
    """A group as the log keeps it while events come (see ``DeoptLog``)."""

    def __init__(self, first: DeoptGroup) -> None:
        self.first = first
        self.count, self.last_ms, self.tier = 1, first.last_ms, first.tier
        self.last_seq, self.cause = first.last_seq, first.cause
        self.exits: list[DeoptExit] = []
        self.earlier_exits = 0

    def seen(self, event: Event) -> None:
        self.count += 1
        self.last_ms, self.tier, self.last_seq = event.time_ms, event.tier, event.seq
        self.cause = event.detail.get("shape")

    def group(self) -> DeoptGroup:
        return replace(self.first, count=self.count, last_ms=self.last_ms, tier=self.tier, exits=tuple(self.exits),
                       earlier_exits=self.earlier_exits, last_seq=self.last_seq, cause=self.cause)
