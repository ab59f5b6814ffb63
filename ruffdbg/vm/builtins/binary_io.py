"""Binary file I/O (io_read_bytes, io_write_bytes, io_append_bytes, io_read_at,
io_write_at, io_seek_read, io_truncate, io_copy_range, io_file_metadata) and
``bytes(array)``. ruffdbg has no separate bytes value: bytes are arrays of ints
0-255 (what read_binary_file returns); ``bytes`` checks and returns one.
"""

from __future__ import annotations

import os
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.files import MAX_FILE_BYTES
from ruffdbg.vm.builtins.system import os_message


def _path(name: str, v: Any, usage: str) -> str:
    if type(v) is not str or "\0" in v:
        raise RuffError(f"{name} requires {usage} arguments")
    return v


def _count(v: Any, message: str) -> int:
    """A non-negative int (a float is truncated), as the reference parses offsets and counts."""
    if type(v) is int and v >= 0:
        n = v
    elif type(v) is float and v >= 0 and v == v and v != float("inf"):
        n = int(v)
    else:
        raise RuffError(message)
    return n


def _bytes(name: str, v: Any, usage: str) -> bytes:
    if type(v) in ARRAY_TYPES and all(type(b) is int and 0 <= b <= 255 for b in v):
        return bytes(v)
    raise RuffError(f"{name} requires {usage} arguments")


def _limit(name: str, n: int) -> int:
    if n > MAX_FILE_BYTES:
        raise RuffError(f"{name}() count too large: {n} bytes")
    return n


def _open(path: str, mode: str) -> Any:
    try:
        return open(path, mode)
    except OSError as error:
        raise RuffError(f"Cannot open file '{path}': {os_message(error)}") from None


def _register() -> None:
    from ruffdbg.vm.builtins.registry import register

    def io_read_bytes(ctx: Any, args: list) -> list:
        """io_read_bytes(path, count): up to count bytes from the start of the file."""
        path = _path("io_read_bytes", args[0], "path (string) and count (int)")
        count = _limit("io_read_bytes", _count(args[1], "io_read_bytes count must be non-negative"))
        with _open(path, "rb") as handle:
            try:
                return list(handle.read(count))
            except OSError as error:
                raise RuffError(f"Cannot read {count} bytes from '{path}': {os_message(error)}") from None

    def io_write_bytes(ctx: Any, args: list) -> bool:
        """io_write_bytes(path, bytes): replace the file's contents with bytes; true."""
        usage = "path (string) and bytes"
        path = _path("io_write_bytes", args[0], usage)
        data = _bytes("io_write_bytes", args[1], usage)
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise RuffError(f"Cannot write bytes to file '{path}': {os_message(error)}") from None
        return True

    def io_append_bytes(ctx: Any, args: list) -> bool:
        """io_append_bytes(path, bytes): add bytes at the end of the file (created if missing); true."""
        usage = "path (string) and bytes"
        path = _path("io_append_bytes", args[0], usage)
        data = _bytes("io_append_bytes", args[1], usage)
        with _open(path, "ab") as handle:
            try:
                handle.write(data)
            except OSError as error:
                raise RuffError(f"Cannot append bytes to file '{path}': {os_message(error)}") from None
        return True

    def io_read_at(ctx: Any, args: list) -> list:
        """io_read_at(path, offset, count): up to count bytes starting at offset."""
        path = _path("io_read_at", args[0], "path (string), offset (int), and count (int)")
        offset = _count(args[1], "io_read_at offset must be non-negative")
        count = _limit("io_read_at", _count(args[2], "io_read_at count must be non-negative"))
        with _open(path, "rb") as handle:
            try:
                handle.seek(offset)
                return list(handle.read(count))
            except (OSError, OverflowError) as error:
                raise RuffError(f"Cannot read {count} bytes at offset {offset} from '{path}': {error}") from None

    def io_write_at(ctx: Any, args: list) -> bool:
        """io_write_at(path, bytes, offset): overwrite the file's bytes from offset (the file must exist); true."""
        usage = "path (string), bytes, and offset (int)"
        path = _path("io_write_at", args[0], usage)
        data = _bytes("io_write_at", args[1], usage)
        offset = _count(args[2], "io_write_at offset must be non-negative")
        _limit("io_write_at", offset)
        with _open(path, "r+b") as handle:
            try:
                handle.seek(offset)
                handle.write(data)
            except (OSError, OverflowError) as error:
                raise RuffError(f"Cannot write bytes at offset {offset} to '{path}': {error}") from None
        return True

    def io_seek_read(ctx: Any, args: list) -> list:
        """io_seek_read(path, offset): every byte from offset to the end."""
        path = _path("io_seek_read", args[0], "path (string) and offset (int)")
        offset = _count(args[1], "io_seek_read offset must be non-negative")
        with _open(path, "rb") as handle:
            try:
                handle.seek(offset)
                return list(handle.read(MAX_FILE_BYTES))
            except (OSError, OverflowError) as error:
                raise RuffError(f"Cannot read from offset {offset} in '{path}': {error}") from None

    def io_truncate(ctx: Any, args: list) -> bool:
        """io_truncate(path, size): cut (or zero-extend) the file to size bytes; true."""
        path = _path("io_truncate", args[0], "path (string) and size (int)")
        size = _limit("io_truncate", _count(args[1], "io_truncate size must be non-negative"))
        with _open(path, "r+b") as handle:
            try:
                handle.truncate(size)
            except OSError as error:
                raise RuffError(f"Cannot truncate file '{path}' to {size} bytes: {os_message(error)}") from None
        return True

    def io_copy_range(ctx: Any, args: list) -> bool:
        """io_copy_range(source, dest, offset, count): write count bytes of source from offset as dest; true."""
        usage = "source (string), dest (string), offset (int), and count (int)"
        source = _path("io_copy_range", args[0], usage)
        dest = _path("io_copy_range", args[1], usage)
        offset = _count(args[2], "io_copy_range offset must be non-negative")
        count = _limit("io_copy_range", _count(args[3], "io_copy_range count must be non-negative"))
        with _open(source, "rb") as handle:
            try:
                handle.seek(offset)
                data = handle.read(count)
            except (OSError, OverflowError) as error:
                raise RuffError(f"Cannot read from '{source}': {error}") from None
        try:
            with open(dest, "wb") as out:
                out.write(data)
        except OSError as error:
            raise RuffError(f"Cannot write to '{dest}': {os_message(error)}") from None
        return True

    def io_file_metadata(ctx: Any, args: list) -> dict:
        """io_file_metadata(path): {size, is_file, is_dir, readonly, modified, accessed, created (when known)} (times in seconds)."""
        path = _path("io_file_metadata", args[0], "a string path")
        try:
            info = os.stat(path)
        except (OSError, ValueError) as error:
            why = os_message(error) if isinstance(error, OSError) else str(error)
            raise RuffError(f"Cannot get metadata for '{path}': {why}") from None
        import stat

        meta = {
            "size": info.st_size,
            "is_file": stat.S_ISREG(info.st_mode),
            "is_dir": stat.S_ISDIR(info.st_mode),
            "readonly": not (info.st_mode & stat.S_IWUSR),
            "modified": int(info.st_mtime),
        }
        birth = getattr(info, "st_birthtime", None)
        if birth is not None:
            meta["created"] = int(birth)
        meta["accessed"] = int(info.st_atime)
        return meta

    def to_bytes(ctx: Any, args: list) -> list:
        """bytes(array): the array, checked to hold ints 0-255 (bytes are arrays of byte values)."""
        arr = args[0]
        if type(arr) not in ARRAY_TYPES:
            raise RuffError("bytes() requires an array argument")
        for v in arr:
            if type(v) is not int:
                raise RuffError("bytes() requires an array of integers")
            if not 0 <= v <= 255:
                raise RuffError(f"bytes() requires integers in range 0-255, got {v}")
        return list(arr)

    for fn, arity in ((io_read_bytes, 2), (io_write_bytes, 2), (io_append_bytes, 2), (io_read_at, 3),
                      (io_write_at, 3), (io_seek_read, 2), (io_truncate, 2), (io_copy_range, 4),
                      (io_file_metadata, 1)):
        register(fn.__name__, fn, (arity,))
    register("bytes", to_bytes, (1,))


_register()
