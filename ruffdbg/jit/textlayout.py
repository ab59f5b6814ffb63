"""Where native code finds a str's text (CPython 3.11's layout, checked below
against live strings, so a different layout fails at import), and the one-character
strings native ``s[i]`` hands out without making anything.

A *compact* str (every str Python code makes) keeps its code points right after
its header, one, two or four bytes each (its *kind*, always the smallest that
holds its largest code point: CPython's ``==`` relies on that, and so does
``lowering/texts.py``): after a ``PyASCIIObject`` when it is ASCII, after a
``PyCompactUnicodeObject`` otherwise. Its length in code points is at
``runtime.VAR_SIZE``."""

from __future__ import annotations

import ctypes

STR_STATE = 32          # PyASCIIObject's state bits (the low byte): interned:2, kind:3, compact, ascii, ready
STR_KIND_SHIFT, STR_KIND_MASK = 2, 0b111   # 1, 2 or 4 bytes per code point
STR_COMPACT_READY = 0b10100000   # compact and ready: the code points right after the header
STR_ASCII_BITS = 0b11100000      # compact, ascii and ready: one byte per character
STR_ASCII_DATA = 48     # sizeof(PyASCIIObject): where an ASCII str's text begins
STR_COMPACT_DATA = 72   # sizeof(PyCompactUnicodeObject): where any other compact str's begins
MEMCMP = ctypes.cast(ctypes.CDLL(None).memcmp, ctypes.c_void_p).value

# The 256 one-character strings of the code points below 256 are the first constants
# of every ``runtime.Handles``: constant handle ``c`` is ``chr(c)``, so native ``s[i]``
# of such a character is (TAG_CONSTANT, c) -- no object made, no handle put.
LATIN1 = 256


def _state(text: str) -> int:
    return ctypes.c_uint8.from_address(id(text) + STR_STATE).value


def _check_str_layout() -> None:
    """Each probe's kind, flags and code points where ``lowering/texts.py`` reads them."""
    formats = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}
    for text, ascii, kind in (("ruff text", True, 1), ("r\u00fcff", False, 1), ("\u65e5\u672c", False, 2),
                              ("a\U0001F600", False, 4)):
        state = _state(text)
        data = STR_ASCII_DATA if ascii else STR_COMPACT_DATA
        if (state & STR_ASCII_BITS == STR_ASCII_BITS) != ascii or state & STR_COMPACT_READY != STR_COMPACT_READY \
                or (state >> STR_KIND_SHIFT) & STR_KIND_MASK != kind \
                or ctypes.string_at(id(text) + data, kind * len(text)) != text.encode(formats[kind]):
            raise ImportError("ruffdbg: unexpected object layout (str)")


_check_str_layout()
