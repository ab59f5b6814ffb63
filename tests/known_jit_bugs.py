"""JIT bugs found and not fixed yet, each a small program in tests/programs/.

Their tests are expected to fail (strictly: a fix makes them pass, and then the
entry must go). The sound-JIT issue removes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

KNOWN_JIT_BUGS: dict[str, str] = {
}


def with_known_bugs(programs: list[Path]) -> list:
    """``programs`` as pytest parameters, the known JIT bugs marked as expected failures."""
    return [pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=KNOWN_JIT_BUGS[path.stem]))
            if path.stem in KNOWN_JIT_BUGS else path for path in programs]
