"""More string functions (padding, case conversion, lines and words, format)
and regular expressions (Python's ``re``; an invalid pattern behaves as the
reference's: no match, no change)."""

from __future__ import annotations

import re
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.values import format_float, to_string
from ruffdbg.vm.builtins.registry import (
    WHITESPACE, builtin, check_size, register, string_arg, whole_arg,
)


def _str1(name: str, doc: str, fn: Any) -> None:
    def impl(ctx: Any, args: list) -> Any:
        return fn(string_arg(name, args[0]))

    impl.__doc__ = doc
    register(name, impl, (1,))


_str1("upper", "upper(s): as to_upper.", str.upper)
_str1("lower", "lower(s): as to_lower.", str.lower)
_str1("trim_start", "trim_start(s): s without leading whitespace.", lambda s: s.lstrip(WHITESPACE))
_str1("trim_end", "trim_end(s): s without trailing whitespace.", lambda s: s.rstrip(WHITESPACE))
_str1("is_empty", "is_empty(s): whether s is \"\".", lambda s: s == "")
_str1("count_chars", "count_chars(s): the number of characters.", len)
_str1("str_reverse", "str_reverse(s): the characters in reverse order.", lambda s: s[::-1])
_str1("lines", "lines(s): the lines (\\n or \\r\\n endings; no trailing empty line).",
      lambda s: [line[:-1] if line.endswith("\r") else line for line in s.split("\n")][: None if not s.endswith("\n") else -1] if s else [])
_str1("words", "words(s): the pieces between runs of whitespace.", lambda s: s.split())


def _slugify(s: str) -> str:
    mapped = "".join(c if c.isalnum() else ("-" if c.isspace() or c == "_" else " ") for c in s.lower())
    return "".join(mapped.split()).replace("--", "-").strip("-")


def _words_alnum(s: str) -> list[str]:
    return [w for w in re.split(r"[^\w]|_", s) if w]


def _camel(s: str) -> str:
    words = _words_alnum(s)
    if not words:
        return ""
    return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


def _snake(s: str) -> str:
    out: list[str] = []
    prev_upper = False
    for i, c in enumerate(s):
        if c.isupper():
            if i > 0 and not prev_upper:
                out.append("_")
            out.append(c.lower())
            prev_upper = True
        elif c.isalnum():
            out.append(c)
            prev_upper = False
        elif not c.isspace() and c not in "_-":
            prev_upper = False
        else:
            if i > 0 and not (out and out[-1] == "_"):
                out.append("_")
            prev_upper = False
    return "".join(out).strip("_")


_str1("slugify", "slugify(s): lower case, words joined by '-', other characters dropped.", _slugify)
_str1("to_camel_case", "to_camel_case(s): \"hello world\" -> \"helloWorld\".", _camel)
_str1("to_snake_case", "to_snake_case(s): \"helloWorld\" -> \"hello_world\".", _snake)
_str1("to_kebab_case", "to_kebab_case(s): \"helloWorld\" -> \"hello-world\".", lambda s: _snake(s).replace("_", "-"))


@builtin("substr", 3)
def _substr(ctx: Any, args: list) -> str:
    """substr(s, start, end): as substring."""
    from ruffdbg.vm.builtins import BUILTINS
    return BUILTINS["substring"].fn(ctx, args)


@builtin("replace_str", 3)
def _replace_str(ctx: Any, args: list) -> str:
    """replace_str(s, old, new): as replace."""
    from ruffdbg.vm.builtins import BUILTINS
    return BUILTINS["replace"].fn(ctx, args)


@builtin("char_at", 2)
def _char_at(ctx: Any, args: list) -> str:
    """char_at(s, i): the character at index i, or "" past the end."""
    s = string_arg("char_at", args[0], 1)
    i = whole_arg("char_at", args[1], 2)
    return s[i] if 0 <= i < len(s) else ""


def _pad(name: str, left: bool) -> None:
    def impl(ctx: Any, args: list) -> str:
        s = string_arg(name, args[0], 1)
        width = whole_arg(name, args[1], 2)
        fill = (string_arg(name, args[2], 3) if len(args) > 2 else " ")[:1] or " "
        if len(s) >= width:
            return s
        check_size(name, width)
        return fill * (width - len(s)) + s if left else s + fill * (width - len(s))

    impl.__doc__ = f"{name}(s, width, [char]): s padded on the {'left' if left else 'right'} to width."
    register(name, impl, (2, 3))


_pad("pad_left", True)
_pad("pad_start", True)
_pad("pad_right", False)
_pad("pad_end", False)


@builtin("truncate", 2, 3)
def _truncate(ctx: Any, args: list) -> str:
    """truncate(s, n, [suffix]): s cut to n characters including suffix ("..." by default)."""
    s = string_arg("truncate", args[0], 1)
    n = max(whole_arg("truncate", args[1], 2), 0)
    suffix = string_arg("truncate", args[2], 3) if len(args) > 2 else "..."
    if len(s) <= n:
        return s
    return s[: max(n - len(suffix), 0)] + suffix


def _format_arg(spec: str, v: Any) -> str:
    t = type(v)
    if spec == "s":
        if t in ARRAY_TYPES:
            return "[Array]"
        if t is dict:
            return "{Dict}"
        return to_string(v)
    if spec == "d":
        if t is bool:
            return "1" if v else "0"
        if t is int:
            return str(v)
        if t is float:
            return str(int(v)) if v == v and abs(v) != float("inf") else "0"
        raise RuffError(f"format() %d requires numeric argument, got {to_string(v)}")
    if t is int or t is float:
        return format_float(float(v))
    raise RuffError(f"format() %f requires numeric argument, got {to_string(v)}")


@builtin("format")
def _format(ctx: Any, args: list) -> str:
    """format(template, ...): %s, %d, %f replaced by the arguments in turn (%% is %)."""
    if not args:
        raise RuffError("format() requires at least 1 argument (template)")
    template = args[0]
    if type(template) is not str:
        raise RuffError("format() first argument must be a string")
    rest = list(args[1:])
    out: list[str] = []
    i = 0
    used = 0
    while i < len(template):
        c = template[i]
        nxt = template[i + 1] if i + 1 < len(template) else ""
        if c == "%" and nxt == "%":
            out.append("%")
            i += 2
        elif c == "%" and nxt in ("s", "d", "f"):
            if used >= len(rest):
                raise RuffError(f"format() missing argument for placeholder %{nxt}")
            out.append(_format_arg(nxt, rest[used]))
            used += 1
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------
# Regular expressions

_CACHE: dict[str, Any] = {}


def _compile(pattern: str) -> Any:
    """The compiled pattern, or None when it is not a valid regular expression."""
    if pattern in _CACHE:
        return _CACHE[pattern]
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        compiled = None
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[pattern] = compiled
    return compiled


_GROUP_REF = re.compile(r"\$(\$|\d+|\{\w+\}|[A-Za-z_]\w*)")


def _replacement(template: str, match: re.Match) -> str:
    """Expand ``$1``, ``${name}``, ``$name`` and ``$$`` as Rust's regex does (unknown groups: "")."""

    def group(ref: re.Match) -> str:
        name = ref.group(1)
        if name == "$":
            return "$"
        name = name.strip("{}")
        try:
            value = match.group(int(name) if name.isdigit() else name)
        except (IndexError, re.error):
            return ""
        return value or ""

    return _GROUP_REF.sub(group, template)


def _two_strings(name: str, args: list) -> tuple[str, str]:
    return string_arg(name, args[0], 1), string_arg(name, args[1], 2)


@builtin("regex_match", 2)
def _regex_match(ctx: Any, args: list) -> bool:
    """regex_match(text, pattern): whether pattern matches somewhere in text."""
    text, pattern = _two_strings("regex_match", args)
    compiled = _compile(pattern)
    return compiled is not None and compiled.search(text) is not None


@builtin("regex_find_all", 2)
def _regex_find_all(ctx: Any, args: list) -> list:
    """regex_find_all(text, pattern): every non-overlapping match's text."""
    text, pattern = _two_strings("regex_find_all", args)
    compiled = _compile(pattern)
    return [] if compiled is None else [m.group(0) for m in compiled.finditer(text)]


@builtin("regex_replace", 3)
def _regex_replace(ctx: Any, args: list) -> str:
    """regex_replace(text, pattern, replacement): every match replaced ($1, ${name} refer to groups)."""
    text, pattern = _two_strings("regex_replace", args)
    replacement = string_arg("regex_replace", args[2], 3)
    compiled = _compile(pattern)
    if compiled is None:
        return text
    return compiled.sub(lambda m: _replacement(replacement, m), text)


@builtin("regex_split", 2)
def _regex_split(ctx: Any, args: list) -> list:
    """regex_split(text, pattern): the pieces between matches."""
    text, pattern = _two_strings("regex_split", args)
    compiled = _compile(pattern)
    if compiled is None:
        return [text]
    pieces: list[str] = []
    last = 0
    for m in compiled.finditer(text):
        if m.end() == m.start() == 0:
            continue
        pieces.append(text[last:m.start()])
        last = m.end()
    pieces.append(text[last:])
    return pieces


@builtin("regex_captures", 2)
def _regex_captures(ctx: Any, args: list) -> list:
    """regex_captures(text, pattern): the first match's groups (the whole match first), or []."""
    text, pattern = _two_strings("regex_captures", args)
    compiled = _compile(pattern)
    m = compiled.search(text) if compiled is not None else None
    if m is None:
        return []
    return [m.group(0)] + [g if g is not None else "" for g in m.groups()]


