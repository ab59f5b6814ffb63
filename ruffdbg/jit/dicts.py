"""What T2 knows about dict reads: which INDEX sites it reads natively, and the
words a site that stays generic uses.

An INDEX site is read natively (``lowering/dicts.py``) when its feedback saw
only dicts, indexed by ints or strings (``vm.interpreter``'s INDEX records a
(container type, index type) pair there), and the index is an int or a tagged
value. Native code takes the GIL just around the lookup; anything unusual -- a
receiver that is not a dict, a key of another type, a missing key -- takes the
generic path, whose interpreter raises the exact Ruff error. There is no
guard, so no deopt loop: a site whose dict became an array only goes slower."""

from __future__ import annotations

from ruffdbg.compiler.bytecode import CodeObject
from ruffdbg.jit.types import Kind

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


# the values a native dict store boxes: scalars only, so a store never shares a container
STORED_KINDS = (Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.NULL)


def native_key(index_type: object) -> bool:
    """Whether a key of this (inferred) type is read natively: an int, or a tagged
    value (a string, or anything else, which takes the generic path)."""
    return index_type in (Kind.INT, Kind.DYN)


def why_generic(code: CodeObject, pc: int, index_type: object) -> str | None:
    """Why a dict-reading site stays generic (None: it is not one)."""
    if not site_reads_dict(code, pc):
        return None
    return f"the key is a {index_type}: native dict reads take int and string keys"
