"""What native code and the VM share: the context block, value tags, callbacks.

Everything lives in native memory (``ctypes``) at addresses fixed for a JIT's
lifetime, which lowering bakes into the code as constants, so native code and
Python threads can both read it while native code runs:

    the context words
        CTX_INTERRUPT  the safepoint word: non-zero makes native code deopt at its
                       next loop back-edge or function entry
        CTX_DEPTH      the interpreter's frame count when it enters native code
                       (native frames then carry their depth in a register)
        CTX_STATUS     how the last native call ended (STATUS_*)
        CTX_RET_TAG / CTX_RET_BITS   a tagged result handed across the boundary
        CTX_HANDLES    how many object handles exist: a T1 frame reads it at entry
                       (its *mark*: every handle at or above it was made after)
        CTX_UNIT       which native frame runs: (unit id << 32 | depth), stored by
                       every unit at entry and by a caller after a native call to
                       another unit returns (the sampling profiler reads it; a
                       callback into the VM puts it back as it found it)
        CTX_OBJECTS    the address of the object table: for each object handle, the
                       address of its Python object (native array loads follow it)
        CTX_SWEEP      non-zero when a handle sweep is due (``Handles.sweep_due``): the
                       next T2 loop back-edge that polls and may have made handles
                       natively (a struct literal, a native call) sweeps its frame's
                       (OP_SWEEP), which clears it
        CTX_CONSTANTS  the address of the constants table: for each constant handle
                       (TAG_CONSTANT), the address of its Python object
        CTX_OSR_MARK   an OSR entry's handle mark: CTX_HANDLES before the entry made
                       handles for the frame's values, which only this frame holds
        CTX_MADE, CTX_SWEEP_AT   handles made since the last sweep, and the count past
                       which a sweep is due (CTX_SWEEP is set): ``Handles.put`` and
                       native puts (lowering/handles.py) both bump CTX_MADE
        CTX_FREE, CTX_FREE_COUNT   the address of the table of released handles (a
                       stack: puts reuse the last one first) and how many it holds
        CTX_ROOM       how many handles the object table has room for (a native put
                       that would outgrow it calls ``Handles.put``, which grows it)
        CTX_FLOOR      a released slot is reused only at or above it (``Handles.floor``)
    the shadow stack   for each native frame, the (unit id << 32 | pc) of the
                       call it is making, so a deopt can rebuild the Ruff stack
    the cells stack    for each native frame running a closure, by depth, the
                       address of its cells tuple (0: none): whoever enters the
                       closure writes it (``Jit.call``, an OSR entry, a native
                       caller of a closure: lowering/calls.py); the unit's
                       prologue loads it for native LOAD_FREE / STORE_FREE, a
                       callback for the interpreter's frame (``deopt._frame_for``)
    the globals table  function ids held by globals that native code calls
                       (the global-unchanged guards read it)
    the transfer buffer  where deopt exits write the frame's values (shared,
                       not on the native stack: deep native recursion must not
                       need a big frame per call)

A value crossing the boundary is a (tag, bits) pair; native T2 code keeps
values unboxed (i64 / double / i1) and tags them only at deopt exits.
"""

from __future__ import annotations

import ctypes
import struct
from array import array
from typing import Any

from ruffdbg.core.arrays import RArray
from ruffdbg.core.objects import Cell, Function, StructType, StructValue
from ruffdbg.jit.textlayout import LATIN1

CONTAINERS = frozenset({list, RArray, dict, StructValue})   # what copy-on-write copies

(CTX_INTERRUPT, CTX_DEPTH, CTX_STATUS, CTX_RET_TAG, CTX_RET_BITS, CTX_HANDLES, CTX_UNIT, CTX_OBJECTS, CTX_SWEEP,
 CTX_CONSTANTS, CTX_OSR_MARK, CTX_MADE, CTX_SWEEP_AT, CTX_FREE, CTX_FREE_COUNT, CTX_ROOM, CTX_FLOOR) = range(17)
CTX_WORDS = 17
MAX_PARAMS = 32        # arguments an entry from the interpreter can pass
GLOBALS_CHUNK = 4096   # words per chunk of the globals table (it grows by chunks)
BUFFER_VALUES = 4096   # (tag, bits) pairs a deopt exit or a call into the VM can hand over

# How a native call ended.
# Set in the pc a native call site hands the call callback when the VM runs the
# call as a sample of the calls it makes natively (``policy.sample_native_calls``).
SAMPLED_CALL = 1 << 40
# A function's *call cell*: [the entry function of its current whole-function
# unit (0: none, the VM runs the call), calls until the next sample, a random
# generator's state, the sampling period]. Native callers of a global Ruff
# function load the entry from word 0, so a callee that recompiles needs no
# caller rebuilt. They count down word 1; at zero the call goes through the VM
# (a sample, flagged SAMPLED_CALL: a T1 callee's profile grows only there) and
# the next count is drawn from [1, 2 * period). The JIT sets the period: 1
# (every call) while a T1 callee's profile is short of the stability rule's
# samples, ``sample_native_calls`` after, and NEVER_SAMPLED for a T2 callee.
CELL_ENTRY, SAMPLE_COUNTDOWN, SAMPLE_RANDOM, SAMPLE_PERIOD = range(4)
NEVER_SAMPLED = 1 << 62
# The callee word of a call the VM runs for native code (``CALL_CALLBACK``): a
# function's id, or a closure's object handle with this bit set (a closure call
# site calls whichever closure of its code the value holds: lowering/calls.py).
CLOSURE_HANDLE = 1 << 62


def call_cell() -> Any:
    return (ctypes.c_int64 * 4)(0, 1, 12345, 1)


STATUS_OK = 0          # the result is returned unboxed, in the unit's return type
STATUS_ERROR = 1       # a Ruff error or an interrupt is pending in the VM (propagate)
STATUS_BOXED = 2       # the result is in CTX_RET_TAG/BITS (it did not have the expected type)
STATUS_ENTRY_GUARD = 3  # the generic entry refused the argument types; nothing ran
STATUS_EXIT = 4        # an OSR unit left its loop: the frame's values are in the transfer
                       # buffer; bits = (guard id + 1) << 32 | pc to resume at (guard 0: none)
STATUS_JUMPED = 5      # a generic op jumped (FOR_ITER ended its loop): continue at its target
STATUS_INTERRUPTED = 6  # the interrupt word is set: the generic op did not run; leave at its pc

# Value tags.
TAG_NULL, TAG_BOOL, TAG_INT, TAG_FLOAT, TAG_OBJECT, TAG_FUNCTION, TAG_RANGE, TAG_CONSTANT = range(8)
# A for loop's items are three TAG_RANGE pairs in a row (start, stop, step); the
# interpreter gets them back as a Python range, which it iterates like the array.
TYPE_TAGS = {"null": TAG_NULL, "bool": TAG_BOOL, "int": TAG_INT, "float": TAG_FLOAT}

_MASK64 = (1 << 64) - 1


# --- where native code finds an array's elements (CPython 3.11's object layout,
# checked below against live objects, so a different layout fails at import)
OB_TYPE = 8          # PyObject: ob_refcnt, ob_type
VAR_SIZE = 16        # PyVarObject's ob_size: a list's or an array.array's length; also where a
                     # str keeps its length (in code points) and a dict its number of entries
ITEMS_DATA = 24      # a list's ob_item / an array.array's ob_item: the element buffer
ITEMS_ROOM = 32      # a list's / an array.array's ``allocated``: elements the buffer has room for


def _slot_offset(owner: Any, value: Any) -> int:
    """The offset of the __slots__ member of ``owner`` that holds ``value``."""
    for offset in range(16, 64, 8):
        if ctypes.c_void_p.from_address(id(owner) + offset).value == id(value):
            return offset
    raise ImportError(f"ruffdbg: unexpected object layout ({type(owner).__name__} slots)")


def _check_layout() -> tuple[int, int]:
    probe_items = array("q", [7, 8])
    probe = RArray(12345678, probe_items)
    listed = [probe]
    if (ctypes.c_void_p.from_address(id(probe) + OB_TYPE).value != id(RArray)
            or ctypes.c_ssize_t.from_address(id(probe_items) + VAR_SIZE).value != 2
            or ctypes.c_void_p.from_address(id(probe_items) + ITEMS_DATA).value != probe_items.buffer_info()[0]
            or ctypes.c_ssize_t.from_address(id(listed) + VAR_SIZE).value != 1
            or any(ctypes.c_ssize_t.from_address(id(sized) + VAR_SIZE).value != len(sized)
                   for sized in ("héllo wörld", "ascii", {"a": 1, "b": 2, "c": 3}))
            or not 1 <= ctypes.c_ssize_t.from_address(id(listed) + ITEMS_ROOM).value < 64
            or not 2 <= ctypes.c_ssize_t.from_address(id(probe_items) + ITEMS_ROOM).value < 64
            or ctypes.c_void_p.from_address(ctypes.c_void_p.from_address(id(listed) + ITEMS_DATA).value).value
            != id(probe)):
        raise ImportError("ruffdbg: unexpected object layout (list, array.array)")
    return _slot_offset(probe, probe.kind), _slot_offset(probe, probe_items)


RARRAY_KIND, RARRAY_ITEMS = _check_layout()   # offsets of RArray.kind and RArray.items

_realloc = ctypes.pythonapi.PyMem_Realloc   # (what array.array allocates its buffer with)
_realloc.restype, _realloc.argtypes = ctypes.c_void_p, (ctypes.c_void_p, ctypes.c_size_t)


def make_room(items: Any) -> None:
    """Give a typed array's storage (an array.array) room for as many elements
    again as it has, when it has less (the GIL held; nothing exports its buffer).
    A native push appends in place while there is room and calls back into the VM
    when there is none; Python's own growth, 1/16 of the size, made that a call
    back every 1/16th of the way (178 for 5,000,000 pushes, about 30 us each);
    doubling makes it 23. (An array of any values is a list: left as it is.)"""
    if type(items) is not array:
        return
    size = len(items)
    room = ctypes.c_ssize_t.from_address(id(items) + ITEMS_ROOM)
    if size < 16 or room.value >= 2 * size:
        return
    data = ctypes.c_void_p.from_address(id(items) + ITEMS_DATA)
    grown = _realloc(data.value, 2 * size * items.itemsize)
    if grown:   # (else it keeps what it has: the next push calls back again)
        data.value, room.value = grown, 2 * size

# --- where native code finds a struct's fields and a scalar's value (lowering/structs.py)
FLOAT_VALUE = 16     # PyFloatObject's ob_fval
LONG_SIZE = 16       # PyLongObject's ob_size: its number of 30-bit digits, negative for a negative int
LONG_DIGITS = 24     # PyLongObject's ob_digit: uint32 digits, least significant first
LONG_SHIFT = 30


def _check_scalar_layout() -> tuple[int, int]:
    """The offsets of StructValue.type and StructValue.slots, after checking where
    CPython keeps a float's and an int's value (3.11's layout)."""
    def digits(n: int) -> list[int]:
        size = ctypes.c_ssize_t.from_address(id(n) + LONG_SIZE).value
        return [size] + [ctypes.c_uint32.from_address(id(n) + LONG_DIGITS + 4 * k).value for k in range(abs(size))]

    big = 3 << 40
    if (ctypes.c_double.from_address(id(probe_float := float("2.5")) + FLOAT_VALUE).value != probe_float
            or digits(int("7")) != [1, 7] or digits(int("-7")) != [-1, 7]
            or digits(big) != [2, big & ((1 << LONG_SHIFT) - 1), big >> LONG_SHIFT] or digits(int("0"))[0] != 0):
        raise ImportError("ruffdbg: unexpected object layout (float, int)")
    shape = StructType("Probe", ["a"])
    probe = StructValue(shape, [None])
    return _slot_offset(probe, shape), _slot_offset(probe, probe.slots)


STRUCT_TYPE, STRUCT_SLOTS = _check_scalar_layout()   # offsets of StructValue.type and StructValue.slots
TUPLE_ITEMS = 24     # a tuple's ob_item: its items inline, after ob_size


def _check_cell_layout() -> int:
    """The offset of Cell.value, after checking where a tuple keeps its items (a
    closure's cells are a tuple of Cells: lowering/cells.py)."""
    probe = Cell(_check_cell_layout)
    cells = (None, probe)
    if ctypes.c_void_p.from_address(id(cells) + TUPLE_ITEMS + 8).value != id(probe):
        raise ImportError("ruffdbg: unexpected object layout (tuple)")
    return _slot_offset(probe, _check_cell_layout)


CELL_VALUE = _check_cell_layout()


def _check_function_layout() -> tuple[int, int]:
    """The offsets of Function.code and Function.cells (a closure call's guard checks
    the code; the call hands the cells over: lowering/calls.py)."""
    cells = (Cell(),)
    probe = Function(_check_function_layout, cells)
    return _slot_offset(probe, _check_function_layout), _slot_offset(probe, cells)


FUNCTION_CODE, FUNCTION_CELLS = _check_function_layout()


# Callbacks from native code into the VM. CFUNCTYPE: they take the GIL back.
DEOPT_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int64,                     # status
    ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,   # unit id, guard id, pc
    ctypes.c_int64,                     # depth of the deopting frame (frames on the Ruff stack)
    ctypes.c_int64, ctypes.c_int64,     # number of locals, number of stack values
    ctypes.c_int64,                     # the frame's handle mark (the interpreter finishes the
                                        # frame: the handles it made are released)
    ctypes.POINTER(ctypes.c_int64),     # (tag, bits) pairs: locals then stack
)
CALL_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int64,                     # status; the result goes to CTX_RET_*
    ctypes.c_int64, ctypes.c_int64,     # calling unit id, pc of the CALL
    ctypes.c_int64,                     # depth of the calling frame
    ctypes.c_int64, ctypes.c_int64,     # function id, argument count
    ctypes.POINTER(ctypes.c_int64),     # (tag, bits) pairs of the arguments
)
# T1's generic op: the interpreter runs one instruction of a native frame.
OP_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int64,                     # STATUS_OK / STATUS_JUMPED: results in the buffer, go on;
                                        # STATUS_INTERRUPTED: the op did not run, leave at its pc;
                                        # STATUS_BOXED / STATUS_ERROR: the frame is over (see deopt.py)
    ctypes.c_int64, ctypes.c_int64,     # unit id, pc
    ctypes.c_int64,                     # the op to run instead (OP_AS_IS, OP_RAISE or an opcode)
    ctypes.c_int64,                     # depth of the frame
    ctypes.c_int64, ctypes.c_int64,     # number of locals, number of stack values
    ctypes.POINTER(ctypes.c_int64),     # (tag, bits) pairs: locals then stack; results written
                                        # back from pair ``nlocals`` on, changed locals in place
    ctypes.c_int64,                     # the frame's handle mark (CTX_HANDLES at its entry)
)
OP_AS_IS = -1      # the instruction at pc
OP_RAISE = -2      # a call at pc failed (the error is pending): hand it to the frame's handlers
OP_SWEEP = -3      # run nothing: release the handles at or above the mark the frame does not hold
ENTRY = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.POINTER(ctypes.c_int64))


# --- the CPython C API native struct literals and dict reads call (lowering/structs.py,
# lowering/dicts.py), with the GIL held only around the allocation or the lookup:
# name -> (address, result, arguments) in LLVM's terms ("i64": a word or an object's
# address, "i32": a C int, "f64": a double).
def _api(name: str) -> int:
    return ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value


C_API = {
    "PyGILState_Ensure": ("i32", ()),
    "PyGILState_Release": ("void", ("i32",)),
    "PyLong_FromLongLong": ("i64", ("i64",)),
    "PyFloat_FromDouble": ("i64", ("f64",)),
    "PyList_New": ("i64", ("i64",)),
    "PyType_GenericAlloc": ("i64", ("i64", "i64")),
    "PyObject_CallOneArg": ("i64", ("i64", "i64")),
    "PyObject_Vectorcall": ("i64", ("i64", "i64", "i64", "i64")),
    "PyLong_AsLongLong": ("i64", ("i64",)),
    "Py_DecRef": ("void", ("i64",)),
    "PyErr_ExceptionMatches": ("i32", ("i64",)),
    "PyErr_Clear": ("void", ()),
    "PyErr_SetInterrupt": ("void", ()),
    # native dict reads (lowering/dicts.py)
    "PyObject_Str": ("i64", ("i64",)),
    "PyDict_GetItemWithError": ("i64", ("i64", "i64")),
    "PyErr_Occurred": ("i64", ()),
    "PyDict_SetItem": ("i32", ("i64", "i64", "i64")),
    "PyObject_Hash": ("i64", ("i64",)),
    # native handle puts (lowering/handles.py)
    "PyList_Append": ("i32", ("i64", "i64")),
    # native strings (lowering/strings.py): concatenation, in place when the left one is
    # the frame's own (PyUnicode_Append(PyObject **, PyObject *)), and interpolation
    # through CPython's string writer (a WRITER_WORDS buffer on the native stack)
    "PyUnicode_Concat": ("i64", ("i64", "i64")),
    "PyUnicode_Append": ("void", ("i64", "i64")),
    "_PyUnicodeWriter_Init": ("void", ("i64",)),
    "_PyUnicodeWriter_WriteStr": ("i32", ("i64", "i64")),
    "_PyUnicodeWriter_WriteASCIIString": ("i32", ("i64", "i64", "i64")),
    "_PyUnicodeWriter_Finish": ("i64", ("i64",)),
    "_PyUnicodeWriter_Dealloc": ("void", ("i64",)),
    # native s[i] of a code point past Latin-1 (lowering/texts.py)
    "PyUnicode_FromOrdinal": ("i64", ("i32",)),
}
C_API_ADDRESSES = {name: _api(name) for name in C_API}
WRITER_WORDS = 8   # room for a _PyUnicodeWriter (56 bytes in 3.11; checked below)


def _check_writer() -> None:
    """CPython's string writer (a private API native interpolation uses) fits in
    WRITER_WORDS words and makes the string it is given."""
    buffer = (ctypes.c_int64 * (2 * WRITER_WORDS))(*([0x5A5A5A5A5A5A5A5A] * (2 * WRITER_WORDS)))
    api = ctypes.pythonapi
    api._PyUnicodeWriter_Init(ctypes.byref(buffer))
    untouched = all(word == 0x5A5A5A5A5A5A5A5A for word in buffer[WRITER_WORDS:])
    api._PyUnicodeWriter_WriteASCIIString(ctypes.byref(buffer), b"ruff 42", ctypes.c_ssize_t(7))
    api._PyUnicodeWriter_Finish.restype = ctypes.py_object
    if not untouched or api._PyUnicodeWriter_Finish(ctypes.byref(buffer)) != "ruff 42":
        raise ImportError("ruffdbg: unexpected string writer (_PyUnicodeWriter)")


_check_writer()


def float_bits(value: float) -> int:
    return struct.unpack("<q", struct.pack("<d", value))[0]


def bits_float(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def signed(bits: int) -> int:
    bits &= _MASK64
    return bits - (1 << 64) if bits >= 1 << 63 else bits


_FREE = object()   # a released handle's slot
# Handles made since the last sweep at which native code is asked to sweep (CTX_SWEEP):
# few, so that the structs a native loop builds die young (a struct that outlives two
# collections of the cyclic GC moves to its oldest generation, whose full collections
# then cost more than the loop's own work).
SWEEP_NATIVE = 256


class Handles:
    """Python objects that crossed into native code: TAG_OBJECT values and the
    functions native code calls (TAG_FUNCTION, identified by a stable id).

    Object handles are released when the outermost native call returns
    (``clear``) and, while native code runs, by ``sweep``: a T1 frame whose
    generic op runs knows every value it holds (they were all written out), and
    every handle at or above its entry mark was made after it was entered, so
    only this frame -- or frames above it, which have returned -- can hold one.
    Those the frame does not hold are released (their slots reused), so a long
    loop that makes strings keeps its memory flat.

    Native code makes handles too, without calling Python (``lowering/handles.py``,
    with the GIL held): everything a put reads or bumps besides the ``_objects``
    list and the ``_containers`` dict is native memory -- the object table, the
    stack of released slots (``_released``, CTX_FREE / CTX_FREE_COUNT), the count
    of handles made since the last sweep (CTX_MADE) and its limit (CTX_SWEEP_AT),
    the table's room (CTX_ROOM) -- so a native put and this one do the same
    thing in the same order (a released slot first, the last released first)."""

    native_puts = True   # False: CTX_ROOM stays 0, so every native put calls put (tests watching puts)

    def __init__(self, words: Any = None) -> None:
        self._objects: list[Any] = []
        # The object table native code reads (CTX_OBJECTS): handle -> id(object).
        # It grows by doubling; a table it outgrew is kept, since native code may
        # still hold its address until its next load of the ctx word.
        self._addresses = (ctypes.c_int64 * 256)()
        # Released slots (a stack, CTX_FREE_COUNT of them): as big as the object
        # table, so a sweep never overflows it. Native code reads it only with the
        # GIL held, when nothing can grow it.
        self._released = (ctypes.c_int64 * 256)()
        self._outgrown: list[Any] = []
        # id of a container -> its handle, or a set of them (a sweep drops them one by one;
        # most containers have one: no set, no object the cyclic GC has to track)
        self._containers: dict[int, int | set[int]] = {}
        # the ctx words: CTX_HANDLES follows len(_objects) (a Handles of its own has words of its own)
        self.words = words if words is not None else (ctypes.c_int64 * CTX_WORDS)()
        self._publish()
        self.kept = 0                      # handles a sweep kept
        self._limit()
        # (ids from 1: native code binds a function's id as a symbol, and a symbol
        # bound to 0 does not resolve -- lowering.common.Imports)
        self.functions: list[Any] = [None]
        self._function_ids: dict[int, int] = {}
        self.constants: list[Any] = []
        self._constant_ids: dict = {}
        # Their addresses, for native code (CTX_CONSTANTS; constants are never
        # dropped): it grows by doubling, and an outgrown table is kept, since
        # native code may still hold its address.
        self._constant_addresses = (ctypes.c_int64 * 64)()
        self._constants_outgrown: list[Any] = []
        self._publish_constants()
        for code in range(LATIN1):   # (constants 0..255: native s[i]'s one-character strings, textlayout.py)
            self.constant_id(chr(code))

    @property
    def floor(self) -> int:
        """A released slot is reused only at or above this handle (0 here: any slot);
        a native put reads the same word (CTX_FLOOR)."""
        return self.words[CTX_FLOOR]

    @floor.setter
    def floor(self, value: int) -> None:
        self.words[CTX_FLOOR] = value

    @property
    def made(self) -> int:
        """Handles made since the last sweep (by ``put`` or by native code)."""
        return self.words[CTX_MADE]

    def _limit(self) -> None:
        """Past how many handles made a sweep is due (CTX_SWEEP set): few, so that the
        structs and strings a native loop makes and drops die young."""
        self.words[CTX_SWEEP_AT] = max(SWEEP_NATIVE, 2 * self.kept)

    def constant_id(self, value: Any) -> int:
        """A permanent handle for a constant baked into native code (TAG_CONSTANT)."""
        key = (type(value), value)
        if key not in self._constant_ids:
            index = self._constant_ids[key] = len(self.constants)
            self.constants.append(value)
            if index >= len(self._constant_addresses):
                table = (ctypes.c_int64 * (2 * index))()
                ctypes.memmove(table, self._constant_addresses, ctypes.sizeof(self._constant_addresses))
                self._constants_outgrown.append(self._constant_addresses)
                self._constant_addresses = table
            self._constant_addresses[index] = id(value)
            self._publish_constants()   # (after the entry: a unit using it is installed later)
        return self._constant_ids[key]

    def _publish_constants(self) -> None:
        self.words[CTX_CONSTANTS] = ctypes.addressof(self._constant_addresses)

    def function_id(self, function: Any) -> int:
        key = id(function)
        if key not in self._function_ids:
            self._function_ids[key] = len(self.functions)
            self.functions.append(function)  # kept alive, so id() stays unique
        return self._function_ids[key]

    def drop_functions(self, used: set[int]) -> int:
        """Let go of the functions whose ids are not in ``used`` -- ids no loaded or
        pending unit has bound and no globals-table word holds (``jit/reclaim.py``;
        only while no native code runs, so no native frame holds one either).
        An id is never given again (its place in the table stays empty), so an id
        native code compares against always means the function it was given to.
        How many were dropped."""
        dropped = 0
        for index, function in enumerate(self.functions):
            if function is not None and index not in used:
                self.functions[index] = None
                del self._function_ids[id(function)]
                dropped += 1
        return dropped

    def put(self, value: Any) -> int:
        words = self.words
        made = words[CTX_MADE] = words[CTX_MADE] + 1
        if made > words[CTX_SWEEP_AT]:
            words[CTX_SWEEP] = 1
        free = words[CTX_FREE_COUNT]
        if free and self._released[free - 1] >= words[CTX_FLOOR]:
            index = self._released[free - 1]
            words[CTX_FREE_COUNT] = free - 1
            self._objects[index] = value
        else:
            index = len(self._objects)
            self._objects.append(value)
            if index >= len(self._addresses):
                self._grow()
            words[CTX_HANDLES] = index + 1
        self._addresses[index] = id(value)
        if type(value) in CONTAINERS:   # see count_above
            key = id(value)
            where = self._containers.get(key)
            if where is None:
                self._containers[key] = index
            elif where.__class__ is int:
                self._containers[key] = {where, index}
            else:
                where.add(index)
        return index

    def _grow(self) -> None:
        size = 2 * len(self._addresses)
        table = (ctypes.c_int64 * size)()
        ctypes.memmove(table, self._addresses, ctypes.sizeof(self._addresses))
        released = (ctypes.c_int64 * size)()
        ctypes.memmove(released, self._released, ctypes.sizeof(self._released))
        self._outgrown += [self._addresses, self._released]
        self._addresses, self._released = table, released
        self._publish()

    def _publish(self) -> None:
        self.words[CTX_OBJECTS] = ctypes.addressof(self._addresses)
        self.words[CTX_FREE] = ctypes.addressof(self._released)
        self.words[CTX_ROOM] = len(self._addresses) if self.native_puts else 0

    def get(self, index: int) -> Any:
        return self._objects[index]

    def __len__(self) -> int:
        return len(self._objects) - self.words[CTX_FREE_COUNT]

    def mark(self) -> int:
        """What CTX_HANDLES says: every handle made from now on is at or above it."""
        return len(self._objects)


    def release_from(self, mark: int) -> None:
        """A native frame is over: release the handles it made (at or above its mark),
        or each would count as a holder of its value (copy-on-write) until the
        outermost native call returns. No native frame may hold any of them."""
        if self.words[CTX_HANDLES] > mark:
            self.sweep(mark, set())

    def sweep_due(self) -> bool:
        return self.made > max(1024, 2 * self.kept)

    def sweep(self, mark: int, live: set) -> None:
        """Release the handles at or above ``mark`` that are not in ``live``."""
        objects, containers = self._objects, self._containers
        freed: list[int] = []   # (written to the native stack in one slice: an item store costs a ctypes call)
        kept = 0
        for index in range(max(mark, 0), len(objects)):
            if index in live:
                kept += 1
                continue
            value = objects[index]
            if value is _FREE:
                continue
            if value.__class__ in CONTAINERS:   # (only containers are in the copy-on-write index)
                key = id(value)
                where = containers.get(key)
                if where.__class__ is int:
                    if where == index:
                        del containers[key]
                elif where is not None:
                    where.discard(index)
                    if not where:
                        del containers[key]
            objects[index] = _FREE
            freed.append(index)
        value = None
        free = self.words[CTX_FREE_COUNT]
        if freed:
            self._released[free:free + len(freed)] = freed
        self.words[CTX_FREE_COUNT] = free + len(freed)
        self.words[CTX_MADE], self.kept = 0, kept
        self._limit()

    def count_above(self, mark: int, value: Any) -> int:
        """How many handles at or above ``mark`` hold the container ``value``."""
        return len(self.above(mark, value))

    def above(self, mark: int, value: Any) -> list[int]:
        """The handles at or above ``mark`` that hold the container ``value``."""
        where = self._containers.get(id(value), ())
        return [index for index in ((where,) if where.__class__ is int else where) if index >= mark]

    def clear(self) -> None:
        if not self._objects and not self._outgrown:   # (most entries cross with scalars only)
            return
        self._outgrown.clear()   # (no native code runs: the outermost call returned)
        self._objects.clear()
        self._containers.clear()
        self.kept = 0
        words = self.words
        words[CTX_FREE_COUNT] = words[CTX_MADE] = words[CTX_HANDLES] = words[CTX_SWEEP] = words[CTX_FLOOR] = 0
        self._limit()


def value_pairs(buffer: Any, count: int) -> list[tuple[int, int]]:
    """The (tag, bits) of ``count`` values from the start of a transfer buffer (a
    loop's range, three pairs, as its first)."""
    pairs, pair = [], 0
    for _ in range(count):
        pairs.append((buffer[2 * pair], buffer[2 * pair + 1]))
        pair += 3 if buffer[2 * pair] == TAG_RANGE else 1
    return pairs


def object_handles(buffer: Any, start: int, count: int) -> tuple[set, int]:
    """The object handles among ``count`` values from pair ``start`` of a transfer
    buffer (a loop's range takes three pairs); and the pair after them."""
    live, pair = set(), start
    for _ in range(count):
        tag = buffer[2 * pair]
        if tag == TAG_OBJECT:
            live.add(buffer[2 * pair + 1])
        pair += 3 if tag == TAG_RANGE else 1
    return live, pair


def box(tag: int, bits: int, handles: Handles) -> Any:
    """A Ruff value from a (tag, bits) pair."""
    if tag == TAG_INT:
        return signed(bits)
    if tag == TAG_FLOAT:
        return bits_float(bits)
    if tag == TAG_BOOL:
        return bool(bits & 1)
    if tag == TAG_NULL:
        return None
    if tag == TAG_FUNCTION:
        return handles.functions[bits]
    if tag == TAG_CONSTANT:
        return handles.constants[bits]
    return handles.get(bits)


def box_values(buffer: Any, count: int, handles: Handles) -> list:
    """``count`` values from a transfer buffer (a for loop's items take three pairs)."""
    values, pair = [], 0
    while len(values) < count:
        tag = buffer[2 * pair]
        if tag == TAG_RANGE:
            values.append(range(signed(buffer[2 * pair + 1]), signed(buffer[2 * pair + 3]), signed(buffer[2 * pair + 5])))
            pair += 3
        else:
            values.append(box(tag, buffer[2 * pair + 1], handles))
            pair += 1
    return values


def unbox(value: Any, handles: Handles) -> tuple[int, int]:
    """A (tag, bits) pair for a Ruff value."""
    kind = type(value)
    if kind is int:
        return TAG_INT, value
    if kind is float:
        return TAG_FLOAT, float_bits(value)
    if kind is bool:
        return TAG_BOOL, int(value)
    if value is None:
        return TAG_NULL, 0
    return TAG_OBJECT, handles.put(value)


class NativeContext:
    """The context block and the tables it points to, owned by one JIT."""

    def __init__(self, max_depth: int, global_slots: int | None = None):
        self.words = (ctypes.c_int64 * CTX_WORDS)()
        self.shadow = (ctypes.c_int64 * (max_depth + 16))()
        self.cells = (ctypes.c_int64 * (max_depth + 16))()   # (the cells stack, by depth)
        # The globals table grows by chunks that never move (compiled code holds the
        # address of each word it checks), so any number of globals can be watched.
        self.global_chunk = global_slots or GLOBALS_CHUNK
        self.global_chunks = [(ctypes.c_int64 * self.global_chunk)()]
        self.buffer = (ctypes.c_int64 * (2 * BUFFER_VALUES))()
        self.address = ctypes.addressof(self.words)
        self.args = (ctypes.c_int64 * (2 * MAX_PARAMS))()  # tagged arguments for entries
        self.args_pointer = ctypes.cast(self.args, ctypes.POINTER(ctypes.c_int64))

    def _global_chunk(self, slot: int) -> tuple[Any, int]:
        chunk, index = divmod(slot, self.global_chunk)
        while chunk >= len(self.global_chunks):
            self.global_chunks.append((ctypes.c_int64 * self.global_chunk)())
        return self.global_chunks[chunk], index

    def global_address(self, slot: int) -> int:
        """The address of globals-table word ``slot`` (fixed for the context's life)."""
        table, index = self._global_chunk(slot)
        return ctypes.addressof(table) + 8 * index

    def set_global(self, slot: int, value: int) -> None:
        table, index = self._global_chunk(slot)
        table[index] = value

    def global_value(self, slot: int) -> int:
        table, index = self._global_chunk(slot)
        return table[index]
