"""JIT bugs found and not fixed yet, each a small program in tests/programs/.

Their tests are expected to fail (strictly: a fix makes them pass, and then the
entry must go). The sound-JIT issue removes them.

Each entry says which tests fail today: ``differential``
(``tests/jit/test_differential.py``: every mode -- ``--no-jit``, the default,
``--threshold 1``, ``--threshold 37`` -- must print the same and none may exit
70) and/or ``conformance`` (``tests/test_conformance.py``: the default mode
must print the ``.out``/``.err``). A bug that only shows at ``--threshold 1``
or 37 fails the differential test alone; a bug in every mode (an internal
error the interpreter has too) fails both; a program the compiler cannot
compile also fails ``compiler`` (``tests/compiler/test_opcodes.py``, which
compiles every program).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

BOTH = frozenset({"differential", "conformance"})
DIFFERENTIAL = frozenset({"differential"})
COMPILER = BOTH | {"compiler"}  # the compiler itself fails: tests/compiler/test_opcodes.py too


@dataclass(frozen=True)
class Bug:
    reason: str
    fails: frozenset = BOTH


KNOWN_JIT_BUGS: dict[str, Bug] = {
    # ------------------------------------------------ issue 10's three programs
    "jit_issue_polymorphic_recursion": Bug(
        "--threshold 37: internal error RecursionError (native recursion through Python); --threshold 1: "
        "Stack overflow at 300 frames", DIFFERENTIAL),
    "jit_issue_osr_null_local": Bug(
        "--threshold 37: a loop entered by OSR while a local holds null prints 0 for null", DIFFERENTIAL),
    # ------------------------------------------------ found by the rich generator (tests/jit/rich_generator.py)
    "jit_mutual_recursion_deep": Bug(
        "every JIT mode: internal error RecursionError for int mutual recursion 4000 deep (native calls "
        "recurse through Python)"),
    "jit_function_in_local_default": Bug(
        "default thresholds: internal error KeyError FunctionValue(...) calling a function held in a local"),
    # ------------------------------------------------ issue 10, item 7: inputs that must not be internal errors
    "jit_chain_500_plus": Bug(
        "every mode (--no-jit too): internal error RecursionError compiling a chain of 500 `+`", COMPILER),
    "jit_chain_500_index": Bug(
        "every mode (--no-jit too): internal error RecursionError compiling a chain of 500 `[0]`", COMPILER),
    "jit_range_wider_than_word": Bug(
        "every mode (--no-jit too): internal error OverflowError for a range() wider than a machine word"),
}


def with_known_bugs(programs: list[Path], test: str = "conformance") -> list:
    """``programs`` as pytest parameters, the known JIT bugs that fail ``test`` marked as expected failures."""
    marked = []
    for path in programs:
        bug = KNOWN_JIT_BUGS.get(path.stem)
        if bug is not None and test in bug.fails:
            marked.append(pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=bug.reason)))
        else:
            marked.append(path)
    return marked
