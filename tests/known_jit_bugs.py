"""JIT bugs found and not fixed yet, each a small program in tests/programs/.

Their tests are expected to fail (strictly: a fix makes them pass, and then the
entry must go). The sound-JIT issue removes them.

Each entry says which tests fail today: ``differential``
(``tests/jit/test_differential.py``: every mode -- ``--no-jit``, the default,
``--threshold 1``, ``--threshold 37`` -- must print the same and none may exit
70) and/or ``conformance`` (``tests/test_conformance.py``: the default mode
must print the ``.out``/``.err``; for the programs the differential test runs,
it checks that on its default run, so a conformance bug fails it). A bug that only shows at ``--threshold 1``
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
}


def with_known_bugs(programs: list[Path], *tests: str) -> list:
    """``programs`` as pytest parameters, the known JIT bugs that fail one of ``tests``
    (default: conformance) marked as expected failures."""
    marked = []
    for path in programs:
        bug = KNOWN_JIT_BUGS.get(path.stem)
        if bug is not None and bug.fails & set(tests or ("conformance",)):
            marked.append(pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=bug.reason)))
        else:
            marked.append(path)
    return marked
