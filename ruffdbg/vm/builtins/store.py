"""Small stores: the process-wide shared values (shared_set, shared_get,
shared_has, shared_delete, shared_add_int; in ruffdbg one program runs at a
time, so they are a plain dict) and the key-value file store (kv_set, kv_get:
a JSON object in $RUFF_KV_PATH or ./.ruff_kv.json, as the reference keeps it).
Also error(message), is_truthy, path_is_symlink, read_file_lossy, sha256_file.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import make_error_value
from ruffdbg.core.values import debug_repr, is_truthy
from ruffdbg.vm.builtins.files import MAX_FILE_BYTES
from ruffdbg.vm.builtins.registry import builtin
from ruffdbg.vm.builtins.system import os_message

_SHARED: dict[str, Any] = {}


def _key(name: str, v: Any) -> str:
    if type(v) is not str:
        raise RuffError(f"{name} key must be a string")
    return v


@builtin("shared_set", 2)
def _shared_set(ctx: Any, args: list) -> bool:
    """shared_set(key, value): remember value under key for the whole process; true."""
    _SHARED[_key("shared_set", args[0])] = args[1]
    return True


@builtin("shared_get", 1)
def _shared_get(ctx: Any, args: list) -> Any:
    """shared_get(key): the value shared_set stored (an error if none)."""
    key = _key("shared_get", args[0])
    if key not in _SHARED:
        raise RuffError(f"shared_get key '{key}' not found")
    return _SHARED[key]


@builtin("shared_has", 1)
def _shared_has(ctx: Any, args: list) -> bool:
    """shared_has(key): whether a value is stored under key."""
    return _key("shared_has", args[0]) in _SHARED


@builtin("shared_delete", 1)
def _shared_delete(ctx: Any, args: list) -> bool:
    """shared_delete(key): forget key; whether it was there."""
    return _SHARED.pop(_key("shared_delete", args[0]), _MISSING) is not _MISSING


_MISSING = object()


@builtin("shared_add_int", 2)
def _shared_add_int(ctx: Any, args: list) -> int:
    """shared_add_int(key, delta): add delta to the int stored under key; the new value."""
    key = _key("shared_add_int", args[0])
    delta = args[1]
    if type(delta) is not int:
        raise RuffError("shared_add_int delta must be an int")
    if key not in _SHARED:
        raise RuffError(f"shared_add_int key '{key}' not found")
    current = _SHARED[key]
    if type(current) is not int:
        raise RuffError(f"shared_add_int key '{key}' does not hold an int")
    total = current + delta
    if not -(2**63) <= total < 2**63:
        raise RuffError(f"Integer overflow: {current} + {delta}")
    _SHARED[key] = total
    return total


def _kv_path() -> str:
    configured = os.environ.get("RUFF_KV_PATH", "").strip()
    return configured or os.path.join(os.getcwd(), ".ruff_kv.json")


def _kv_load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        why = os_message(error) if isinstance(error, OSError) else str(error)
        raise RuffError(f"Failed to read kv store '{path}': {why}") from None
    if not isinstance(data, dict):
        raise RuffError(f"Failed to read kv store '{path}': not a JSON object")
    return data


@builtin("kv_set", 2)
def _kv_set(ctx: Any, args: list) -> bool:
    """kv_set(key, value): save the string value under key in the key-value file; true."""
    key, value = args
    if type(key) is not str or type(value) is not str:
        raise RuffError("kv_set requires key and value string arguments")
    path = _kv_path()
    data = _kv_load(path)
    data[key] = value
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
    except OSError as error:
        raise RuffError(f"Failed to write kv store '{path}': {os_message(error)}") from None
    return True


@builtin("kv_get", 1)
def _kv_get(ctx: Any, args: list) -> Any:
    """kv_get(key): the string saved under key, or null."""
    key = args[0]
    if type(key) is not str:
        raise RuffError("kv_get requires a key string argument")
    value = _kv_load(_kv_path()).get(key)
    return value if type(value) is str else None


@builtin("error", 1)
def _error(ctx: Any, args: list) -> Any:
    """error(message): an Error value with that message (to return, or to throw)."""
    message = args[0]
    return make_error_value(message if type(message) is str else debug_repr(message), [], 0)


@builtin("is_truthy", 1)
def _is_truthy(ctx: Any, args: list) -> bool:
    """is_truthy(v): whether v counts as true in a condition."""
    return is_truthy(args[0])


@builtin("path_is_symlink", 1)
def _path_is_symlink(ctx: Any, args: list) -> bool:
    """path_is_symlink(path): whether path is a symbolic link (it must exist)."""
    path = args[0]
    if type(path) is not str:
        raise RuffError("path_is_symlink requires a string argument (path)")
    try:
        os.lstat(path)
    except (OSError, ValueError) as error:
        why = os_message(error) if isinstance(error, OSError) else str(error)
        raise RuffError(f"Cannot read metadata for '{path}': {why}") from None
    return os.path.islink(path)


def _read_bytes(name: str, path: Any, what: str) -> bytes:
    if type(path) is not str:
        raise RuffError(f"{name} requires a string path argument")
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise RuffError(f"Cannot read file '{path}': file is too large")
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, ValueError) as error:
        why = os_message(error) if isinstance(error, OSError) else str(error)
        raise RuffError(f"{what} '{path}': {why}") from None


@builtin("read_file_lossy", 1)
def _read_file_lossy(ctx: Any, args: list) -> str:
    """read_file_lossy(path): the file's text, invalid UTF-8 replaced by U+FFFD."""
    return _read_bytes("read_file_lossy", args[0], "Cannot read file").decode("utf-8", errors="replace")


@builtin("sha256_file", 1)
def _sha256_file(ctx: Any, args: list) -> str:
    """sha256_file(path): the hex SHA-256 digest of the file's contents."""
    return hashlib.sha256(_read_bytes("sha256_file", args[0], "Cannot read file")).hexdigest()
