"""Settings for the whole test suite."""

import os

# The suite never writes to the user's code cache (~/.cache/ruffdbg): runs
# compile everything, as they did before the cache existed. Tests of the cache
# give it a folder of their own (tests/jit/test_codecache.py). Set here, at
# import, so programs the tests start in subprocesses inherit it too.
os.environ["RUFFDBG_CACHE"] = "off"
