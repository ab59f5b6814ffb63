"""The JIT's one lock."""

from __future__ import annotations

from functools import wraps


def serialized(method):
    """Run a JIT decision under the JIT's lock. The VM thread compiles and retires
    units while the UI thread compiles for display, holds functions for
    breakpoints and applies the user's controls; unit ids, the callee scratch
    sets and inference's assumptions must not interleave."""
    @wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked
