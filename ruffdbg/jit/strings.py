"""Which sites native code runs strings at (``TypedCode.strings``), and what the
views say of them (``lowering/strings.py``, ``lowering/texts.py``): a ``+`` whose
profile saw two strings, joined natively (in place for ``s := s + t`` while the
frame owns ``s``); an interpolation, built natively; ``s[i]``, ``len(s)`` (T1),
``==``/``!=`` and ordering of strings, read natively. Listed with a unit's method
call sites (``Unit.inline_sites``: ``ruffdbg ir``'s header, ``Session.assumptions``,
the native pane)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import EQUALITY_OPS, ORDERING_OPS, Op
from ruffdbg.jit.views import InlineSite
from ruffdbg.profile.ics import site_text


def may_join(code: CodeObject, pc: int) -> bool:
    """Whether the ADD at ``pc`` (two tagged operands) gets native code joining two
    strings: its profile saw two strings there, or saw nothing yet (it never ran in
    the interpreter: ``--threshold 1``). An ADD that saw only numbers or other
    types leaves strings to its slow path: the path costs IR (and compile time)
    at every T1 add."""
    return _saw_or_unrun(code, pc, (str, str))


def may_index(code: CodeObject, pc: int) -> bool:
    """Whether the INDEX at ``pc`` gets native code reading a string's character
    (lowering/texts.py): its profile saw a string indexed by an int, or nothing yet."""
    return _saw_or_unrun(code, pc, (str, int))


def may_order(code: CodeObject, pc: int) -> bool:
    """Whether the ``< <= > >=`` at ``pc`` gets native code ordering two strings."""
    return _saw_or_unrun(code, pc, (str, str))


def saw_strings(code: CodeObject, pc: int) -> bool:
    """Whether the ``==``/``!=`` at ``pc`` saw a string operand (the views list it:
    native code compares strings at every equality site)."""
    profile = code.profile
    return profile is not None and any(str in operands for operands in profile.feedback[pc])


def _saw_or_unrun(code: CodeObject, pc: int, operands: tuple) -> bool:
    """The site's feedback has ``operands``, or it never ran in the interpreter."""
    profile = code.profile
    return profile is None or operands in profile.feedback[pc] or never_ran(code, pc)


def never_ran(code: CodeObject, pc: int) -> bool:
    """Whether the site at ``pc`` has no feedback at all (it never ran in the
    interpreter: native code's generic path does not record any either)."""
    profile = code.profile
    return profile is None or (not profile.feedback[pc] and not profile.numbers_seen(pc))


def sites(typed: Any) -> tuple[InlineSite, ...]:
    """A note per native string site of a unit built from ``typed`` (a ``TypedCode``)."""
    code, notes = typed.code, []
    for pc in sorted(typed.strings - typed.dict_loads):   # (a site that reads both: jit/dicts.py's note)
        text = _site_note(code, pc)
        if text is not None:
            notes.append(InlineSite(pc, code.lines[pc], text))
    return tuple(notes)


def _site_note(code: CodeObject, pc: int) -> str | None:
    """What native code does with strings at ``pc`` (None: a join its profile never saw)."""
    op = code.instrs[pc][0]
    if op == Op.BUILD_STRING:
        return ("native: string interpolation builds its string here (strs, ints, floats, bools, null; "
                "any other part runs it in the interpreter)")
    if op == Op.INDEX:
        return (f"native: {site_text(code, pc)} reads a string's character here (one of Latin-1: a constant, "
                "nothing made); other operands, or an index out of range, run it in the interpreter")
    if op == Op.CALL:
        return ("native: len() reads the length of a string, array or dict here; "
                "other operands run it in the interpreter")
    if op in ORDERING_OPS:
        return (f"native: {site_text(code, pc)} orders two strings here (by code point) or two numbers; "
                "other operands run it in the interpreter")
    if op in EQUALITY_OPS:
        return (f"native: {site_text(code, pc)} compares strings here (a string against any other value is "
                "unequal); arrays, dicts, structs and functions run it in the interpreter")
    if code.profile is not None and (str, str) in code.profile.feedback[pc]:
        builder = pc + 1 < len(code.instrs) and code.instrs[pc + 1][0] == Op.STORE_LOCAL
        return (f"native: {site_text(code, pc)} joins two strings here"
                + (" (in place while the frame owns the string it extends)" if builder else "")
                + "; other operands run it in the interpreter")
    return None
