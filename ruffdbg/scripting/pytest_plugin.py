"""pytest collects ``*.rdbg`` transcripts as tests (registered as a pytest11 plugin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruffdbg.scripting.transcript import TranscriptError, run_file


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".rdbg":
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


class TranscriptFile(pytest.File):
    def collect(self):
        yield TranscriptItem.from_parent(self, name=self.path.name)


class TranscriptItem(pytest.Item):
    def runtest(self) -> None:
        try:
            passed, diff = run_file(self.path)
        except TranscriptError as error:
            raise TranscriptMismatch(f"{self.path}:{error.line}: error: {error.message}") from None
        if not passed:
            raise TranscriptMismatch(diff)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, TranscriptMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"transcript {self.path.name}"


class TranscriptMismatch(Exception):
    pass
