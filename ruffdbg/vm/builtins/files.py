"""Files, directories and paths.

Failures are Ruff errors worded as the reference's, with the operating system's
reason as Rust prints it: ``Cannot read file 'x.txt': No such file or directory
(os error 2)``; a ``try`` catches them. ``write_file`` refuses to replace an
existing file unless its third argument is ``true``, as the reference does.
Binary files are read as arrays of byte values (ints 0-255).
"""

from __future__ import annotations

import os
import shutil
from pathlib import PurePath
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import MAX_RESULT_LEN, array_arg, builtin, string_arg
from ruffdbg.vm.builtins.system import os_message

# Files larger than this are refused instead of exhausting the host's memory.
MAX_FILE_BYTES = MAX_RESULT_LEN


def _fail(what: str, path: str, error: BaseException) -> RuffError:
    why = os_message(error) if isinstance(error, OSError) else str(error)
    return RuffError(f"{what} '{path}': {why}")


def _path(fname: str, v: Any, position: int | None = None) -> str:
    path = string_arg(fname, v, position)
    if "\0" in path:
        raise RuffError(f"{fname}() path contains a NUL character")
    return path


def _check_size(path: str) -> None:
    try:
        size = os.path.getsize(path)
    except OSError:
        return   # the read reports it
    if size > MAX_FILE_BYTES:
        raise RuffError(f"Cannot read file '{path}': file is too large ({size} bytes)")


def _read_text(path: str) -> str:
    _check_size(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise _fail("Cannot read file", path, error) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RuffError(f"Cannot read file '{path}': stream did not contain valid UTF-8") from None


def _overwrite_flag(fname: str, args: list) -> bool:
    if len(args) < 3:
        return False
    if type(args[2]) is not bool:
        raise RuffError(f"{fname} optional overwrite flag must be a bool")
    return args[2]


def _write(fname: str, path: str, data: bytes, overwrite: bool) -> bool:
    if not overwrite and os.path.exists(path):
        raise RuffError(f"Cannot write file '{path}': file already exists (pass overwrite=true to replace it)")
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise _fail("Cannot write file", path, error) from None
    return True


@builtin("read_file", 1, aliases=("read_file_sync",))
def _read_file(ctx: Any, args: list) -> str:
    """read_file(path): the file's text (UTF-8)."""
    return _read_text(_path("read_file", args[0]))


@builtin("write_file", 2, 3, aliases=("write_file_sync",))
def _write_file(ctx: Any, args: list) -> bool:
    """write_file(path, text, [overwrite]): create the file with text; an existing file only with overwrite true."""
    path = _path("write_file", args[0], 1)
    content = string_arg("write_file", args[1], 2)
    return _write("write_file", path, content.encode("utf-8"), _overwrite_flag("write_file", args))


@builtin("append_file", 2)
def _append_file(ctx: Any, args: list) -> bool:
    """append_file(path, text): add text at the end of the file (created if missing)."""
    path = _path("append_file", args[0], 1)
    content = string_arg("append_file", args[1], 2)
    try:
        with open(path, "ab") as handle:
            handle.write(content.encode("utf-8"))
    except OSError as error:
        raise _fail("Cannot open file", path, error) from None
    return True


@builtin("read_lines", 1)
def _read_lines(ctx: Any, args: list) -> list:
    """read_lines(path): the file's lines, without line endings."""
    text = _read_text(_path("read_lines", args[0]))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@builtin("read_binary_file", 1)
def _read_binary_file(ctx: Any, args: list) -> list:
    """read_binary_file(path): the file's bytes, as an array of ints 0-255."""
    path = _path("read_binary_file", args[0])
    _check_size(path)
    try:
        with open(path, "rb") as handle:
            return list(handle.read())
    except OSError as error:
        raise _fail("Cannot read file", path, error) from None


def byte_values(fname: str, v: Any, position: int) -> bytes:
    """An array of ints 0-255 (or a string, as its UTF-8 bytes) as bytes."""
    if type(v) is str:
        return v.encode("utf-8")
    arr = array_arg(fname, v, position)
    if not all(type(b) is int and 0 <= b <= 255 for b in arr):
        raise RuffError(f"{fname}() expects bytes (an array of ints 0-255) as argument {position}")
    return bytes(arr)


@builtin("write_binary_file", 2, 3)
def _write_binary_file(ctx: Any, args: list) -> bool:
    """write_binary_file(path, bytes, [overwrite]): as write_file, for an array of byte values."""
    path = _path("write_binary_file", args[0], 1)
    data = byte_values("write_binary_file", args[1], 2)
    return _write("write_binary_file", path, data, _overwrite_flag("write_binary_file", args))


@builtin("file_exists", 1)
def _file_exists(ctx: Any, args: list) -> bool:
    """file_exists(path): whether something exists at path."""
    return os.path.exists(_path("file_exists", args[0]))


@builtin("file_size", 1)
def _file_size(ctx: Any, args: list) -> int:
    """file_size(path): the file's size in bytes."""
    path = _path("file_size", args[0])
    try:
        return os.stat(path).st_size
    except OSError as error:
        raise _fail("Cannot get file size for", path, error) from None


@builtin("delete_file", 1)
def _delete_file(ctx: Any, args: list) -> bool:
    """delete_file(path): remove the file (not a directory)."""
    path = _path("delete_file", args[0])
    if os.path.isdir(path):
        raise RuffError(f"Cannot delete file '{path}': path is a directory")
    try:
        os.remove(path)
    except OSError as error:
        raise _fail("Cannot delete file", path, error) from None
    return True


@builtin("rename_file", 2)
def _rename_file(ctx: Any, args: list) -> bool:
    """rename_file(old, new): move or rename a file."""
    old = _path("rename_file", args[0], 1)
    new = _path("rename_file", args[1], 2)
    try:
        os.rename(old, new)
    except OSError as error:
        raise RuffError(f"Cannot rename file '{old}' to '{new}': {os_message(error)}") from None
    return True


@builtin("copy_file", 2)
def _copy_file(ctx: Any, args: list) -> bool:
    """copy_file(source, dest): copy a file's contents."""
    source = _path("copy_file", args[0], 1)
    dest = _path("copy_file", args[1], 2)
    try:
        shutil.copyfile(source, dest)
    except (OSError, shutil.SameFileError) as error:
        why = os_message(error) if isinstance(error, OSError) and error.errno else str(error)
        raise RuffError(f"Cannot copy file '{source}' to '{dest}': {why}") from None
    return True


@builtin("create_dir", 1)
def _create_dir(ctx: Any, args: list) -> bool:
    """create_dir(path): create the directory and any missing parents."""
    path = _path("create_dir", args[0])
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise _fail("Cannot create directory", path, error) from None
    return True


@builtin("list_dir", 1, aliases=("list_dir_sync",))
def _list_dir(ctx: Any, args: list) -> list:
    """list_dir(path): the names in the directory, sorted."""
    path = _path("list_dir", args[0])
    try:
        return sorted(os.listdir(path))
    except OSError as error:
        raise _fail("Cannot list directory", path, error) from None


@builtin("os_rmdir", 1)
def _os_rmdir(ctx: Any, args: list) -> bool:
    """os_rmdir(path): remove an empty directory."""
    path = _path("os_rmdir", args[0])
    try:
        os.rmdir(path)
    except OSError as error:
        raise _fail("Cannot remove directory", path, error) from None
    return True


# --------------------------------------------------------------------------
# Paths (text only, except the path_is_*/path_exists checks)


@builtin("join_path", aliases=("path_join",))
def _join_path(ctx: Any, args: list) -> str:
    """join_path(a, b, ...): the parts joined with "/" (an absolute part starts over)."""
    if not args:
        raise RuffError("join_path requires at least one string argument")
    parts = []
    for i, part in enumerate(args, 1):
        if type(part) is not str:
            raise RuffError(f"join_path() expects a string as argument {i}, got {_tname(part)}")
        parts.append(part)
    return os.path.join(*parts)


def _tname(v: Any) -> str:
    from ruffdbg.core.values import type_name
    return type_name(v)


@builtin("dirname", 1)
def _dirname(ctx: Any, args: list) -> str:
    """dirname(path): everything before the last component ("/" when there is none)."""
    path = string_arg("dirname", args[0])
    pure = PurePath(path)
    if pure.parent == pure or path == "":
        return "/"
    parent = str(pure.parent)
    return "" if parent == "." and not path.startswith("./") else parent


@builtin("basename", 1)
def _basename(ctx: Any, args: list) -> str:
    """basename(path): the last component ("" when there is none)."""
    name = PurePath(string_arg("basename", args[0])).name
    return "" if name in ("..",) else name


@builtin("path_extension", 1)
def _path_extension(ctx: Any, args: list) -> str:
    """path_extension(path): the extension without its dot ("" when there is none)."""
    suffix = PurePath(string_arg("path_extension", args[0])).suffix
    return suffix[1:]


@builtin("path_exists", 1)
def _path_exists(ctx: Any, args: list) -> bool:
    """path_exists(path): whether something exists at path."""
    return os.path.exists(_path("path_exists", args[0]))


@builtin("path_is_dir", 1)
def _path_is_dir(ctx: Any, args: list) -> bool:
    """path_is_dir(path): whether path is a directory."""
    return os.path.isdir(_path("path_is_dir", args[0]))


@builtin("path_is_file", 1)
def _path_is_file(ctx: Any, args: list) -> bool:
    """path_is_file(path): whether path is a regular file."""
    return os.path.isfile(_path("path_is_file", args[0]))


@builtin("path_absolute", 1)
def _path_absolute(ctx: Any, args: list) -> str:
    """path_absolute(path): the absolute, resolved path (it must exist)."""
    path = _path("path_absolute", args[0])
    try:
        return os.path.realpath(path, strict=True)
    except OSError as error:
        raise RuffError(f"Cannot get absolute path for '{path}': {os_message(error)}") from None


@builtin("load_image", 1)
def _load_image(ctx: Any, args: list) -> None:
    """load_image(path): images are not available in ruffdbg (an image's methods would
    need native methods on values); a missing file fails as in the reference."""
    path = args[0]
    if type(path) is not str:
        raise RuffError("load_image requires a string path argument")
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        raise RuffError(f"Cannot load image '{path}': {os_message(error)}") from None
    raise RuffError("load_image is not available in ruffdbg (no image values)")
