"""Encodings and hashes: base64 (bytes are arrays of ints 0-255, as
read_binary_file gives them), md5, sha256, md5_file, and password hashing
(hash_password / verify_password with PBKDF2-SHA256 from ``hashlib``; the
reference uses bcrypt, so hashes are not interchangeable)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.files import MAX_FILE_BYTES, byte_values
from ruffdbg.vm.builtins.registry import builtin, string_arg
from ruffdbg.vm.builtins.system import os_message


def _data(name: str, v: Any) -> bytes:
    if type(v) is str:
        return v.encode("utf-8")
    if type(v) in ARRAY_TYPES:
        return byte_values(name, v, 1)
    raise RuffError(f"{name} requires a bytes or string argument")


@builtin("encode_base64", 1)
def _encode_base64(ctx: Any, args: list) -> str:
    """encode_base64(s or bytes): the standard base64 text."""
    return base64.b64encode(_data("encode_base64", args[0])).decode("ascii")


@builtin("decode_base64", 1)
def _decode_base64(ctx: Any, args: list) -> list:
    """decode_base64(text): the bytes (an array of ints 0-255)."""
    text = args[0]
    if type(text) is not str:
        raise RuffError("decode_base64 requires a string argument")
    try:
        return list(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise RuffError(f"Base64 decode error: {error}") from None


@builtin("bytes_to_string", 1)
def _bytes_to_string(ctx: Any, args: list) -> str:
    """bytes_to_string(bytes): the UTF-8 text of the bytes (invalid sequences replaced)."""
    return byte_values("bytes_to_string", args[0], 1).decode("utf-8", errors="replace")


@builtin("string_to_bytes", 1)
def _string_to_bytes(ctx: Any, args: list) -> list:
    """string_to_bytes(s): the UTF-8 bytes of s, as an array of ints."""
    return list(string_arg("string_to_bytes", args[0]).encode("utf-8"))


@builtin("md5", 1)
def _md5(ctx: Any, args: list) -> str:
    """md5(s or bytes): the hex MD5 digest."""
    return hashlib.md5(_data("md5", args[0])).hexdigest()


@builtin("sha256", 1)
def _sha256(ctx: Any, args: list) -> str:
    """sha256(s or bytes): the hex SHA-256 digest."""
    return hashlib.sha256(_data("sha256", args[0])).hexdigest()


@builtin("md5_file", 1)
def _md5_file(ctx: Any, args: list) -> str:
    """md5_file(path): the hex MD5 digest of the file's contents."""
    path = string_arg("md5_file", args[0])
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise RuffError(f"Cannot read file '{path}': file is too large")
        with open(path, "rb") as handle:
            return hashlib.md5(handle.read()).hexdigest()
    except OSError as error:
        raise RuffError(f"Cannot read file '{path}': {os_message(error)}") from None


_ROUNDS = 100_000


@builtin("hash_password", 1)
def _hash_password(ctx: Any, args: list) -> str:
    """hash_password(p): a salted PBKDF2-SHA256 hash of p, for verify_password."""
    password = string_arg("hash_password", args[0]).encode("utf-8")
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password, salt, _ROUNDS)
    return f"pbkdf2_sha256${_ROUNDS}${salt.hex()}${digest.hex()}"


@builtin("verify_password", 2)
def _verify_password(ctx: Any, args: list) -> bool:
    """verify_password(p, hash): whether hash was made by hash_password(p)."""
    password = string_arg("verify_password", args[0], 1).encode("utf-8")
    stored = string_arg("verify_password", args[1], 2)
    try:
        scheme, rounds, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256" or not 0 < int(rounds) <= 10_000_000:
            return False
        actual = hashlib.pbkdf2_hmac("sha256", password, bytes.fromhex(salt), int(rounds))
        return hmac.compare_digest(actual, bytes.fromhex(digest))
    except ValueError:
        return False
