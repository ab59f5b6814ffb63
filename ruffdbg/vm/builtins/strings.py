"""String functions."""

from __future__ import annotations

from typing import Any

from ruffdbg.core.values import to_string
from ruffdbg.vm.builtins.registry import (
    WHITESPACE, array_arg, builtin, check_size, clamp_span, string_arg, whole_arg,
)


@builtin("split", 2)
def _split(ctx: Any, args: list) -> list:
    """split(s, sep): the pieces between separators; an empty sep gives characters."""
    text = string_arg("split", args[0], 1)
    sep = string_arg("split", args[1], 2)
    return text.split(sep) if sep else list(text)


@builtin("join", 2)
def _join(ctx: Any, args: list) -> str:
    """join(arr, sep): the elements as by to_string, separated by sep."""
    arr = array_arg("join", args[0], 1)
    sep = string_arg("join", args[1], 2)
    return sep.join([to_string(element) for element in arr])


@builtin("trim", 1)
def _trim(ctx: Any, args: list) -> str:
    """trim(s): s without surrounding whitespace."""
    return string_arg("trim", args[0]).strip(WHITESPACE)


@builtin("to_upper", 1)
def _to_upper(ctx: Any, args: list) -> str:
    """to_upper(s)."""
    return string_arg("to_upper", args[0]).upper()


@builtin("to_lower", 1)
def _to_lower(ctx: Any, args: list) -> str:
    """to_lower(s)."""
    return string_arg("to_lower", args[0]).lower()


@builtin("capitalize", 1)
def _capitalize(ctx: Any, args: list) -> str:
    """capitalize(s): first character upper case, the rest lower case."""
    text = string_arg("capitalize", args[0])
    return text[:1].upper() + text[1:].lower()


@builtin("substring", 3)
def _substring(ctx: Any, args: list) -> str:
    """substring(s, start, end): characters start..end-1, bounds clamped as slice."""
    text = string_arg("substring", args[0], 1)
    start, end = clamp_span(
        len(text), whole_arg("substring", args[1], 2), whole_arg("substring", args[2], 3)
    )
    return text[start:end]


@builtin("starts_with", 2)
def _starts_with(ctx: Any, args: list) -> bool:
    """starts_with(s, prefix)."""
    return string_arg("starts_with", args[0], 1).startswith(string_arg("starts_with", args[1], 2))


@builtin("ends_with", 2)
def _ends_with(ctx: Any, args: list) -> bool:
    """ends_with(s, suffix)."""
    return string_arg("ends_with", args[0], 1).endswith(string_arg("ends_with", args[1], 2))


@builtin("replace", 3)
def _replace(ctx: Any, args: list) -> str:
    """replace(s, old, new): every occurrence of old replaced."""
    text = string_arg("replace", args[0], 1)
    old = string_arg("replace", args[1], 2)
    new = string_arg("replace", args[2], 3)
    if len(new) > len(old):
        check_size("replace", len(text) + text.count(old) * (len(new) - len(old)))
    return text.replace(old, new)


@builtin("repeat", 2)
def _repeat(ctx: Any, args: list) -> str:
    """repeat(s, n): s n times (a negative n gives "")."""
    text = string_arg("repeat", args[0], 1)
    count = max(whole_arg("repeat", args[1], 2), 0)
    check_size("repeat", len(text) * count)
    return text * count


# --------------------------------------------------------------------------
