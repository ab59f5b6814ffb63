"""What T2 knows about dict reads: which INDEX sites it reads natively, and the
words a site that stays generic uses.

An INDEX site is read natively (``lowering/dicts.py``) when its feedback saw
only dicts, indexed by ints or strings (``vm.interpreter``'s INDEX records a
(container type, index type) pair there), and the index is an int or a tagged
value. Native code takes the GIL just around the lookup; anything unusual -- a
receiver that is not a dict, a key of another type, a missing key -- takes the
generic path, whose interpreter raises the exact Ruff error. There is no
guard, so no deopt loop: a site whose dict became an array only goes slower.

A read whose key's text is at hand and hashed -- an int key below
``KEY_TEXTS`` (its text made once, under the GIL, and kept in ``key_texts``), or
a str whose hash CPython has cached -- looks the key up *without* the GIL when
the dict's keys table is a str-only one (``dk_kind`` not general): that lookup
only reads (pointers, cached hashes, a memcmp), like a native array read, and
Ruff's dicts change only in the program's own thread, which is running this
code. A scalar value is unboxed without the GIL too; anything else (a value
needing a handle, another key, another table) takes the GIL path."""

from __future__ import annotations

import ctypes
from typing import Any

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.compiler.opcodes import Op
from ruffdbg.jit.types import Kind
from ruffdbg.jit.views import InlineSite
from ruffdbg.profile.ics import site_text

KEY_TYPES = (int, str)   # how Ruff keys a dict: a string as is, an int as its decimal text (values._dict_key)


def site_reads_dict(code: CodeObject, pc: int) -> bool:
    """Whether the INDEX site at ``pc`` saw only dicts indexed by ints or strings."""
    profile = code.profile
    if profile is None or profile.fast_hits[pc]:
        return False
    seen = profile.feedback[pc]
    return bool(seen) and all(type(key) is tuple and len(key) == 2 and key[0] is dict and key[1] in KEY_TYPES
                              for key in seen)


def site_stores_dict(code: CodeObject, pc: int) -> bool:
    """Whether the STORE_INDEX site at ``pc`` stored only into dicts (its feedback
    counts what it stored into by type; typed arrays by their kind)."""
    profile = code.profile
    if profile is None or profile.fast_hits[pc]:
        return False
    seen = profile.feedback[pc]
    return bool(seen) and all(key is dict for key in seen)


# the values a native store (a dict's, a field's, a cell's) boxes: scalars, so a store never
# shares a container; a dict store also takes a tagged value, checked at run time to be a
# scalar or a str (lowering/dicts.py)
STORED_KINDS = (Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.NULL)


def stored_natively(value_type: object) -> bool:
    """Whether a dict store of a value of this (inferred) type is native."""
    return value_type in STORED_KINDS or value_type == Kind.DYN


def why_store_generic(index_type: object, value_type: object) -> str:
    """Why a STORE_INDEX site that stored only into dicts stays generic."""
    if not stored_natively(value_type):
        return "the value is neither a scalar nor a tagged value: native dict stores take those"
    return f"the key is a {index_type}: native dict stores take int and string keys"


def native_key(index_type: object) -> bool:
    """Whether a key of this (inferred) type is read natively: an int, or a tagged
    value (a string, or anything else, which takes the generic path)."""
    return index_type in (Kind.INT, Kind.DYN)


def why_generic(code: CodeObject, pc: int, index_type: object) -> str | None:
    """Why a dict-reading site stays generic (None: it is not one)."""
    if not site_reads_dict(code, pc):
        return None
    return f"the key is a {index_type}: native dict reads take int and string keys"


def sites(typed: Any) -> tuple[InlineSite, ...]:
    """A note per native dict site of a unit built from ``typed`` (a ``TypedCode``):
    what runs natively there and what takes the interpreter's path."""
    code, notes = typed.code, []
    for pc in sorted(typed.dict_loads | typed.dict_stores):
        if code.instrs[pc][0] == Op.CALL:   # (T1's has_key)
            text = ("native: has_key() looks a dict up here (without the GIL for an int key's cached text or "
                    "a hashed string); another receiver runs it in the interpreter")
        elif pc in typed.dict_stores:
            text = (f"native: {site_text(code, pc)} stores into a dict here under the GIL (an int key's text "
                    "cached); a value other than a scalar or a string, another receiver or key, run it in "
                    "the interpreter")
        else:
            text = (f"native: {site_text(code, pc)} reads a dict here (an int key's text cached; without the "
                    "GIL for a scalar value, else under it)"
                    + (", or a string's character (the site never ran)" if pc in typed.strings else "")
                    + "; a missing key, another receiver or key, run it in the interpreter")
        notes.append(InlineSite(pc, code.lines[pc], text))
    return tuple(notes)


# --- where a GIL-free read finds a dict's keys table and a str's hash (CPython 3.11's
# layout, checked below against live objects, so a different layout fails at import)
DICT_KEYS = 32      # PyDictObject's ma_keys (after ob_refcnt, ob_type, ma_used, ma_version_tag)
KEYS_KIND = 10      # PyDictKeysObject's dk_kind, a byte: 0 general, 1 unicode (str keys only), 2 split
STR_HASH = 24       # PyASCIIObject's hash: -1 until CPython computed it
# Ints 0 .. KEY_TEXTS-1 read as keys keep their decimal text here, hashed (native code
# fills an entry under the GIL the first time; the strings are never released: at most
# 16,384 short strings, about 0.9 MB, for the process).
KEY_TEXTS = 1 << 14
key_texts = (ctypes.c_void_p * KEY_TEXTS)()


def _check_dict_layout() -> None:
    def kind(table: dict) -> int:
        return ctypes.c_uint8.from_address(ctypes.c_void_p.from_address(id(table) + DICT_KEYS).value
                                           + KEYS_KIND).value

    text = "".join(["probe", "d"])   # (made at run time: its hash not computed yet)
    unhashed = ctypes.c_ssize_t.from_address(id(text) + STR_HASH).value
    hashed = hash(text)
    if (kind({text: 1}) != 1 or kind({1: 1}) != 0 or unhashed != -1
            or ctypes.c_ssize_t.from_address(id(text) + STR_HASH).value != hashed):
        raise ImportError("ruffdbg: unexpected object layout (dict keys, str hash)")


_check_dict_layout()
