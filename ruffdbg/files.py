"""Files the user names: read a program (or transcript), or check an output folder.

Every command, REPL command and transcript that takes a path goes through here,
so whatever is wrong with the path -- missing, a folder, a binary file, not
UTF-8, no permission, a file where a folder should be -- becomes one line that
says so (a ``FileError``), never a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ruffdbg.textviews import UsageError


class FileError(UsageError):
    """A path the user gave cannot be used: its message is the whole diagnostic (the
    CLI prints it without its usage line, the REPL as ``error: ...``)."""


def read_text_file(path: str | Path, what: str = "Ruff program") -> str:
    """The text of ``path`` as UTF-8, or a ``FileError`` that says why not."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileError(describe_os_error(path, error)) from None
    if b"\0" in data:
        raise FileError(f"cannot read {path}: a binary file, not a {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileError(f"cannot read {path}: not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})") \
            from None


def writable_folder(path: str | Path) -> Path:
    """``path`` as a folder files can be written to (made if missing), or a ``FileError``."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except FileExistsError:
        raise FileError(f"cannot write into {path}: it is a file, not a folder") from None
    except OSError as error:
        raise FileError(describe_os_error(path, error, "write into")) from None
    return path


def describe_os_error(path: Path, error: OSError, doing: str = "read") -> str:
    """One line for an OS error on ``path``: the common cases in words."""
    reasons = {
        errno.ENOENT: "no such file or folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
    }
    reason = reasons.get(error.errno) or error.strerror or os.strerror(error.errno or 0) or type(error).__name__
    return f"cannot {doing} {path}: {reason}"
