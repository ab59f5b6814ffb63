"""Ruff's builtin functions: one module per family, all registered in ``BUILTINS``.

``BUILTINS`` maps each name to a ``Builtin`` whose ``fn(ctx, args)`` returns a
Ruff value or raises ``RuffError``. ``ctx`` provides ``write(text)`` for program
output and ``clock_ms()`` (milliseconds since the program started).

Every registered ``fn`` checks its own argument count (``Builtin.arities`` says
which counts are accepted, for callers that want to check earlier), so it is
safe to call directly. Arguments are never mutated: ``push``/``pop`` build new
arrays, because the VM shares containers copy-on-write.

Error texts follow the reference implementation where it has one:
``abs() expects 1 argument, got 2`` for counts, ``Cannot convert 'x' to int``,
``Assertion failed: expected Int(10), got Int(5)``. Wrong argument types, where
the reference silently returns a default, are errors with one uniform shape:
``push() expects an array as argument 1, got string``.
"""

from __future__ import annotations

# Importing a family registers its builtins (in this order, which is the order
# listings and completion show them).
from ruffdbg.vm.builtins import conversions  # noqa: F401, I001
from ruffdbg.vm.builtins import containers  # noqa: F401
from ruffdbg.vm.builtins import strings  # noqa: F401
from ruffdbg.vm.builtins import numeric  # noqa: F401
from ruffdbg.vm.builtins import checks  # noqa: F401
from ruffdbg.vm.builtins import clock  # noqa: F401
from ruffdbg.vm.builtins import higher_order  # noqa: F401
from ruffdbg.vm.builtins import text  # noqa: F401
from ruffdbg.vm.builtins import system  # noqa: F401
from ruffdbg.vm.builtins import files  # noqa: F401
from ruffdbg.vm.builtins import data  # noqa: F401
from ruffdbg.vm.builtins import database  # noqa: F401
from ruffdbg.vm.builtins import more_math  # noqa: F401
from ruffdbg.vm.builtins import structures  # noqa: F401
from ruffdbg.vm.builtins import chance  # noqa: F401
from ruffdbg.vm.builtins import dates  # noqa: F401
from ruffdbg.vm.builtins import encoding  # noqa: F401
from ruffdbg.vm.builtins import archives  # noqa: F401
from ruffdbg.vm.builtins import crypto  # noqa: F401
from ruffdbg.vm.builtins import binary_io  # noqa: F401
from ruffdbg.vm.builtins import store  # noqa: F401
from ruffdbg.vm.builtins import responses  # noqa: F401
from ruffdbg.vm.builtins import asynchronous  # noqa: F401
from ruffdbg.vm.builtins.registry import BUILTINS, MAX_RESULT_LEN, arity_message  # noqa: F401

import math as _math

# The reference's predefined constants. Not functions, so not in BUILTINS (whose
# values are all Builtin); the VM makes them visible once it looks names up here
# too (not wired yet: the VM's name lookup reads only BUILTINS).
CONSTANTS: dict[str, float] = {"PI": _math.pi, "E": _math.e}

__all__ = ["BUILTINS", "CONSTANTS", "MAX_RESULT_LEN", "arity_message"]
