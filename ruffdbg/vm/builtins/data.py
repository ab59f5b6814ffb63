"""Data formats: JSON (Python's ``json``), TOML (``tomllib`` to read, ``tomlkit``
to write), YAML (PyYAML, safe loading only) and CSV (Python's ``csv``).

JSON is written as the reference's serde_json writes it: compact, keys sorted,
floats with a ``.0`` when whole (``1.0``), exponents as ``1e21``/``1e-7``;
non-finite floats and functions are errors. Parsed numbers stay ints when they
fit i64. Inputs nested deeper than 64 levels are refused, as the reference does.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from typing import Any

from ruffdbg.core.arrays import ARRAY_TYPES
from ruffdbg.core.errors import RuffError
from ruffdbg.core.objects import StructValue
from ruffdbg.core.values import INT_MAX, INT_MIN, debug_repr, format_float, to_string
from ruffdbg.vm.builtins.registry import MAX_RESULT_LEN, builtin, string_arg, type_error

MAX_NESTING = 64
_EXPONENT = re.compile(r"e([+-])0*(\d+)")


# --------------------------------------------------------------------------
# Ruff values <-> plain Python data


class _Budget:
    """How many more values a conversion may visit: shared sub-values (copy-on-write
    arrays, YAML aliases) could otherwise make a small input exponentially large."""

    def __init__(self, what: str):
        self.left = MAX_RESULT_LEN // 8
        self.what = what

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise RuffError(f"{self.what} too large: more than {MAX_RESULT_LEN // 8} values")


def _plain(fname: str, kind: str, v: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """``v`` as JSON-like Python data (dicts, lists, str, int, float, bool, None)."""
    if depth > MAX_NESTING:
        raise RuffError(f"{kind} value exceeds maximum nesting depth of {MAX_NESTING}")
    if budget is None:
        budget = _Budget(f"{fname}() value")
    budget.spend()
    t = type(v)
    if v is None or t is bool or t is int or t is str:
        return v
    if t is float:
        if not math.isfinite(v):
            raise RuffError(f"Cannot convert non-finite float {format_float(v)} to {kind}")
        return v
    if t in ARRAY_TYPES:
        return [_plain(fname, kind, x, depth + 1, budget) for x in v]
    if t is dict:
        return {k: _plain(fname, kind, x, depth + 1, budget) for k, x in v.items()}
    if t is StructValue and kind != "JSON":
        return {k: _plain(fname, kind, x, depth + 1, budget) for k, x in v.fields.items()}
    raise RuffError(f"Cannot convert {debug_repr(v)} to {kind}")


def _ruff(v: Any, depth: int = 0, budget: _Budget | None = None) -> Any:
    """Parsed data as Ruff values: ints outside i64 become floats, other scalars strings."""
    if depth > MAX_NESTING:
        raise RuffError(f"input exceeds maximum nesting depth of {MAX_NESTING}")
    if budget is None:
        budget = _Budget("input")
    budget.spend()
    t = type(v)
    if v is None or t is bool or t is str or t is float:
        return v
    if t is int:
        return v if INT_MIN <= v <= INT_MAX else float(v)
    if t is list or t is tuple:
        return [_ruff(x, depth + 1, budget) for x in v]
    if t is dict:
        return {(k if type(k) is str else _key_text(k)): _ruff(x, depth + 1, budget) for k, x in v.items()}
    return str(v)   # dates and times: their ISO text


def _key_text(k: Any) -> str:
    if type(k) is bool:
        return "true" if k else "false"
    if k is None:
        return "null"
    return to_string(_ruff(k))


# --------------------------------------------------------------------------
# JSON


def _json_float(x: float) -> str:
    text = repr(x)
    return _EXPONENT.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)


def _json_text(v: Any, indent: int | None, level: int = 0) -> str:
    t = type(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _json_float(v)
    if t is str:
        return json.dumps(v, ensure_ascii=False)
    if t in ARRAY_TYPES:
        if not v:
            return "[]"
        items = [_json_text(x, indent, level + 1) for x in v]
        if indent is None:
            return "[" + ",".join(items) + "]"
        pad = " " * (indent * (level + 1))
        return "[\n" + ",\n".join(pad + item for item in items) + "\n" + " " * (indent * level) + "]"
    if not v:
        return "{}"
    keys = sorted(v)
    if indent is None:
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _json_text(v[k], None) for k in keys) + "}"
    pad = " " * (indent * (level + 1))
    entries = [pad + json.dumps(k, ensure_ascii=False) + ": " + _json_text(v[k], indent, level + 1) for k in keys]
    return "{\n" + ",\n".join(entries) + "\n" + " " * (indent * level) + "}"


def _check_length(fname: str, text: str) -> str:
    if len(text) > MAX_RESULT_LEN:
        raise RuffError(f"{fname}() result too large: {len(text)} characters")
    return text


@builtin("to_json", 1)
def _to_json(ctx: Any, args: list) -> str:
    """to_json(v): v as compact JSON text (keys sorted)."""
    return _check_length("to_json", _json_text(_plain("to_json", "JSON", args[0]), None))


@builtin("to_json_pretty", 1)
def _to_json_pretty(ctx: Any, args: list) -> str:
    """to_json_pretty(v): v as JSON text indented by two spaces."""
    return _check_length("to_json_pretty", _json_text(_plain("to_json_pretty", "JSON", args[0]), 2))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"expected value ({name} is not JSON)")  # JSON has no NaN or Infinity


_JSON_WORDING = (
    ("Expecting value", "expected value"),
    ("Extra data", "trailing characters"),
    ("Unterminated string starting at", "EOF while parsing a string"),
    ("Expecting property name enclosed in double quotes", "key must be a string"),
    ("Expecting ':' delimiter", "expected `:`"),
    ("Expecting ',' delimiter", "expected `,`"),
    ("Invalid control character at", "control character (\\u0000-\\u001F) found while parsing a string"),
    ("Invalid \\escape", "invalid escape"),
)


def _json_error(error: json.JSONDecodeError) -> str:
    what = error.msg
    for python, serde in _JSON_WORDING:
        if what.startswith(python):
            what = serde
            break
    return f"JSON parse error: {what} at line {error.lineno} column {error.colno}"


@builtin("parse_json", 1)
def _parse_json(ctx: Any, args: list) -> Any:
    """parse_json(text): the JSON value as Ruff values (objects become dicts)."""
    text = args[0]
    if type(text) is not str:
        raise RuffError("parse_json requires a string argument")
    if len(text) > MAX_RESULT_LEN:
        raise RuffError(f"JSON input exceeds maximum input size of {MAX_RESULT_LEN} bytes")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise RuffError(_json_error(error)) from None
    except ValueError as error:
        raise RuffError(f"JSON parse error: {error}") from None
    except RecursionError:
        raise RuffError(f"JSON input exceeds maximum nesting depth of {MAX_NESTING}") from None
    try:
        return _ruff(data)
    except RuffError as error:
        raise RuffError(f"JSON {error.message}") from None


# --------------------------------------------------------------------------
# TOML


def _toml_ready(v: Any) -> Any:
    """TOML has no null: the reference writes it as "". Keys sorted, as the reference's tables are."""
    if v is None:
        return ""
    if type(v) in ARRAY_TYPES:
        return [_toml_ready(x) for x in v]
    if type(v) is dict:
        return {k: _toml_ready(v[k]) for k in sorted(v)}
    return v


@builtin("parse_toml", 1)
def _parse_toml(ctx: Any, args: list) -> dict:
    """parse_toml(text): the TOML document as a dict (dates and times as their text)."""
    text = string_arg("parse_toml", args[0])
    try:
        return _ruff(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise RuffError(f"TOML parse error: {error}") from None
    except RecursionError:
        raise RuffError(f"TOML parse error: nested more than {MAX_NESTING} levels") from None


@builtin("to_toml", 1)
def _to_toml(ctx: Any, args: list) -> str:
    """to_toml(d): the dict as a TOML document (null written as "")."""
    import tomlkit

    v = args[0]
    if type(v) is not dict:
        raise type_error("to_toml", "a dict", v, None)
    try:
        return tomlkit.dumps(_toml_ready(_plain("to_toml", "TOML", v)))
    except (TypeError, ValueError, tomlkit.exceptions.TOMLKitError) as error:
        raise RuffError(f"TOML serialization error: {error}") from None


# --------------------------------------------------------------------------
# YAML


@builtin("parse_yaml", 1)
def _parse_yaml(ctx: Any, args: list) -> Any:
    """parse_yaml(text): the YAML document as Ruff values (safe loading: plain data only)."""
    import yaml

    text = string_arg("parse_yaml", args[0])
    try:
        return _ruff(yaml.safe_load(text))
    except yaml.YAMLError as error:
        raise RuffError(f"YAML parse error: {error}") from None
    except RecursionError:
        raise RuffError(f"YAML parse error: nested more than {MAX_NESTING} levels") from None


@builtin("to_yaml", 1)
def _to_yaml(ctx: Any, args: list) -> str:
    """to_yaml(v): v as a YAML document (block style, keys sorted)."""
    import yaml

    data = _plain("to_yaml", "YAML", args[0])
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True, allow_unicode=True)


# --------------------------------------------------------------------------
# CSV


def _csv_field(text: str) -> Any:
    """A CSV field as an int, a float, or the text (as the reference reads them)."""
    if re.fullmatch(r"[+-]?\d+", text):
        number = int(text)
        if INT_MIN <= number <= INT_MAX:
            return number
    if re.fullmatch(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)", text, re.I):
        return float(text)
    return text


@builtin("parse_csv", 1)
def _parse_csv(ctx: Any, args: list) -> list:
    """parse_csv(text): one dict per row, keyed by the header row; numbers become ints or floats."""
    text = string_arg("parse_csv", args[0])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise RuffError(f"CSV parse error: {error}") from None
    if not rows:
        return []
    headers = rows[0]
    result = []
    for row in rows[1:]:
        if not row:
            continue
        if len(row) != len(headers):
            raise RuffError(
                f"CSV parse error: found record with {len(row)} fields, but the previous record has {len(headers)} fields"
            )
        result.append({headers[i]: _csv_field(field) for i, field in enumerate(row)})
    return result


def _csv_text(v: Any) -> str:
    t = type(v)
    if t is str:
        return v
    if t is int or t is float or t is bool:
        return to_string(v)
    return ""


@builtin("to_csv", 1)
def _to_csv(ctx: Any, args: list) -> str:
    """to_csv(rows): an array of dicts as CSV text, the header from the first row's keys."""
    rows = args[0]
    if type(rows) not in ARRAY_TYPES:
        raise RuffError("CSV requires array of dictionaries")
    if not rows:
        raise RuffError("CSV requires non-empty array")
    if type(rows[0]) is not dict:
        raise RuffError("CSV requires array of dictionaries")
    headers = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        if type(row) is not dict:
            raise RuffError("CSV requires array of dictionaries")
        writer.writerow([_csv_text(row.get(h)) for h in headers])
    return _check_length("to_csv", out.getvalue())
