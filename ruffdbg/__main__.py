"""``python -m ruffdbg``: the same command line as the ``ruffdbg`` script."""

from ruffdbg.cli import entry_point

entry_point()
