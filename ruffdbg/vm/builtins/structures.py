"""Set, Queue and Stack: values like arrays (every operation returns a new one;
``queue_dequeue``/``stack_pop`` return ``[new, item]``), with the reference's
names and results. ``len`` counts their elements; ``type`` says set, queue,
stack. Sets keep insertion order and compare elements with ``==``.
"""

from __future__ import annotations

from typing import Any

from ruffdbg.core.values import values_equal
from ruffdbg.vm.builtins.containers import _SIZED
from ruffdbg.vm.builtins.registry import array_arg, builtin, type_error


class _Items:
    """An immutable sequence of Ruff values (shared freely: never mutated)."""

    kind = ""

    def __init__(self, items: list):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and len(self.items) == len(other.items) and all(
            map(values_equal, self.items, other.items))

    __hash__ = None  # type: ignore[assignment]


class Set(_Items):
    def __str__(self) -> str:
        return f"Set{{{len(self.items)} items}}"


class Queue(_Items):
    def __str__(self) -> str:
        return f"Queue({len(self.items)} items)"


class Stack(_Items):
    def __str__(self) -> str:
        return f"Stack({len(self.items)} items)"


_SIZED.update((Set, Queue, Stack))


def _has(items: list, v: Any) -> bool:
    return any(values_equal(x, v) for x in items)


def _unique(items: list) -> list:
    out: list = []
    for x in items:
        if not _has(out, x):
            out.append(x)
    return out


def _of(kind: type, name: str, v: Any, position: int | None = None) -> Any:
    if type(v) is kind:
        return v
    raise type_error(name, f"a {kind.__name__}", v, position)


def _initial(name: str, args: list) -> list:
    return list(array_arg(name, args[0])) if args else []


@builtin("Set", 0, 1)
def _set(ctx: Any, args: list) -> Set:
    """Set([array]): a set of the array's distinct elements."""
    return Set(_unique(_initial("Set", args)))


@builtin("set_add", 2)
def _set_add(ctx: Any, args: list) -> Set:
    """set_add(s, v): s with v added."""
    s = _of(Set, "set_add", args[0], 1)
    return s if _has(s.items, args[1]) else Set(s.items + [args[1]])


@builtin("set_has", 2)
def _set_has(ctx: Any, args: list) -> bool:
    """set_has(s, v): whether v is in s."""
    return _has(_of(Set, "set_has", args[0], 1).items, args[1])


@builtin("set_remove", 2)
def _set_remove(ctx: Any, args: list) -> Set:
    """set_remove(s, v): s without v."""
    s = _of(Set, "set_remove", args[0], 1)
    return Set([x for x in s.items if not values_equal(x, args[1])])


@builtin("set_union", 2)
def _set_union(ctx: Any, args: list) -> Set:
    """set_union(a, b): the elements of a, then those of b not in a."""
    a = _of(Set, "set_union", args[0], 1)
    b = _of(Set, "set_union", args[1], 2)
    return Set(_unique(a.items + b.items))


@builtin("set_intersect", 2)
def _set_intersect(ctx: Any, args: list) -> Set:
    """set_intersect(a, b): the elements of a that are in b."""
    a = _of(Set, "set_intersect", args[0], 1)
    b = _of(Set, "set_intersect", args[1], 2)
    return Set([x for x in a.items if _has(b.items, x)])


@builtin("set_difference", 2)
def _set_difference(ctx: Any, args: list) -> Set:
    """set_difference(a, b): the elements of a that are not in b."""
    a = _of(Set, "set_difference", args[0], 1)
    b = _of(Set, "set_difference", args[1], 2)
    return Set([x for x in a.items if not _has(b.items, x)])


@builtin("set_to_array", 1)
def _set_to_array(ctx: Any, args: list) -> list:
    """set_to_array(s): the elements, in insertion order."""
    return list(_of(Set, "set_to_array", args[0]).items)


@builtin("Queue", 0, 1)
def _queue(ctx: Any, args: list) -> Queue:
    """Queue([array]): a first-in first-out queue (front first)."""
    return Queue(_initial("Queue", args))


@builtin("queue_enqueue", 2)
def _queue_enqueue(ctx: Any, args: list) -> Queue:
    """queue_enqueue(q, v): q with v at the back."""
    return Queue(_of(Queue, "queue_enqueue", args[0], 1).items + [args[1]])


@builtin("queue_dequeue", 1)
def _queue_dequeue(ctx: Any, args: list) -> list:
    """queue_dequeue(q): [q without its front, the front] ([q, null] when empty)."""
    q = _of(Queue, "queue_dequeue", args[0])
    if not q.items:
        return [q, None]
    return [Queue(q.items[1:]), q.items[0]]


@builtin("queue_peek", 1)
def _queue_peek(ctx: Any, args: list) -> Any:
    """queue_peek(q): the front, or null."""
    q = _of(Queue, "queue_peek", args[0])
    return q.items[0] if q.items else None


@builtin("Stack", 0, 1)
def _stack(ctx: Any, args: list) -> Stack:
    """Stack([array]): a last-in first-out stack (the array's last element on top)."""
    return Stack(_initial("Stack", args))


@builtin("stack_push", 2)
def _stack_push(ctx: Any, args: list) -> Stack:
    """stack_push(s, v): s with v on top."""
    return Stack(_of(Stack, "stack_push", args[0], 1).items + [args[1]])


@builtin("stack_pop", 1)
def _stack_pop(ctx: Any, args: list) -> list:
    """stack_pop(s): [s without its top, the top] ([s, null] when empty)."""
    s = _of(Stack, "stack_pop", args[0])
    if not s.items:
        return [s, None]
    return [Stack(s.items[:-1]), s.items[-1]]


@builtin("stack_peek", 1)
def _stack_peek(ctx: Any, args: list) -> Any:
    """stack_peek(s): the top, or null."""
    s = _of(Stack, "stack_peek", args[0])
    return s.items[-1] if s.items else None


def _register_views(kind: type, prefix: str, order: str) -> None:
    """``<prefix>_is_empty``, ``<prefix>_size`` and ``<prefix>_to_array``: the same for Queue and Stack."""
    def is_empty(ctx: Any, args: list) -> bool:
        return not _of(kind, f"{prefix}_is_empty", args[0]).items

    def size(ctx: Any, args: list) -> int:
        return len(_of(kind, f"{prefix}_size", args[0]).items)

    def to_array(ctx: Any, args: list) -> list:
        return list(_of(kind, f"{prefix}_to_array", args[0]).items)

    is_empty.__doc__ = f"{prefix}_is_empty(x): whether it has no elements."
    size.__doc__ = f"{prefix}_size(x): the number of elements."
    to_array.__doc__ = f"{prefix}_to_array(x): the elements, {order} first."
    for name, fn in (("is_empty", is_empty), ("size", size), ("to_array", to_array)):
        builtin(f"{prefix}_{name}", 1)(fn)


_register_views(Queue, "queue", "front")
_register_views(Stack, "stack", "bottom")
