"""What the views say of the string sites native code runs (``lowering/strings.py``,
``TypedCode.strings``): a ``+`` whose profile saw two strings, joined natively
(in place for ``s := s + t`` while the frame owns ``s``), and an interpolation,
built natively. Listed with a unit's method call sites (``Unit.inline_sites``:
``ruffdbg ir``'s header, ``Session.assumptions``, the native pane)."""

from __future__ import annotations

from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.jit.views import InlineSite
from ruffdbg.profile.ics import site_text


def may_join(code: CodeObject, pc: int) -> bool:
    """Whether the ADD at ``pc`` (two tagged operands) gets native code joining two
    strings: its profile saw two strings there, or saw nothing yet (it never ran in
    the interpreter: ``--threshold 1``). An ADD that saw only numbers or other
    types leaves strings to its slow path: the path costs IR (and compile time)
    at every T1 add."""
    profile = code.profile
    if profile is None:
        return True
    seen = profile.feedback[pc]
    if (str, str) in seen:
        return True
    return not seen and not profile.numbers_seen(pc)


def sites(typed: Any) -> tuple[InlineSite, ...]:
    """A note per native string site of a unit built from ``typed`` (a ``TypedCode``)."""
    code, notes = typed.code, []
    for pc in sorted(typed.strings):
        op, arg = code.instrs[pc]
        if op == Op.BUILD_STRING:
            text = ("native: string interpolation builds its string here (strs, ints, floats, bools, null; "
                    "any other part runs it in the interpreter)")
        elif code.profile is not None and (str, str) in code.profile.feedback[pc]:
            builder = pc + 1 < len(code.instrs) and code.instrs[pc + 1][0] == Op.STORE_LOCAL
            text = (f"native: {site_text(code, pc)} joins two strings here"
                    + (" (in place while the frame owns the string it extends)" if builder else "")
                    + "; other operands run it in the interpreter")
        else:
            continue
        notes.append(InlineSite(pc, code.lines[pc], text))
    return tuple(notes)
