"""HTTP response values, built without any network: ``http_response``,
``json_response``, ``html_response``, ``redirect_response``, ``set_header``,
``set_headers``. A response is immutable (the setters return a new one);
``type`` says ``httpresponse`` and it prints as ``HttpResponse(status: 200)``,
as in the reference. Serving them (``http_server``) is not available.
"""

from __future__ import annotations

from typing import Any

from ruffdbg.core.errors import RuffError
from ruffdbg.vm.builtins.registry import BUILTINS, builtin


class HttpResponse:
    """status (int), body (string), headers (name -> value; a later set replaces)."""

    def __init__(self, status: int, body: str, headers: dict[str, str]):
        self.status = status
        self.body = body
        self.headers = headers

    def __str__(self) -> str:
        return f"HttpResponse(status: {self.status})"



def _arity(name: str, args: list, counts: tuple[int, ...], what: str) -> None:
    if len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        raise RuffError(f"{name}() expects {expected} arguments ({what}), got {len(args)}")


def _status(value: Any) -> int:
    return value & 0xFFFF     # the reference keeps a u16


@builtin("http_response")
def _http_response(ctx: Any, args: list) -> HttpResponse:
    """http_response(status, body): a response with no headers."""
    _arity("http_response", args, (2,), "status, body")
    if type(args[0]) is not int or type(args[1]) is not str:
        raise RuffError("http_response requires status code and body string")
    return HttpResponse(_status(args[0]), args[1], {})


@builtin("json_response")
def _json_response(ctx: Any, args: list) -> HttpResponse:
    """json_response(status, data): data as JSON, Content-Type application/json."""
    _arity("json_response", args, (2,), "status, data")
    if type(args[0]) is not int:
        raise RuffError("json_response requires status code and data")
    try:
        body = BUILTINS["to_json"].fn(ctx, [args[1]])
    except RuffError as error:
        raise RuffError(f"json_response failed to serialize data: {error.message}") from None
    return HttpResponse(_status(args[0]), body, {"Content-Type": "application/json"})


@builtin("html_response")
def _html_response(ctx: Any, args: list) -> HttpResponse:
    """html_response(status, html): Content-Type text/html."""
    _arity("html_response", args, (2,), "status, html")
    if type(args[0]) is not int or type(args[1]) is not str:
        raise RuffError("html_response requires status code and HTML string")
    return HttpResponse(_status(args[0]), args[1], {"Content-Type": "text/html; charset=utf-8"})


@builtin("redirect_response")
def _redirect_response(ctx: Any, args: list) -> HttpResponse:
    """redirect_response(url[, headers]): status 302 with a Location header."""
    _arity("redirect_response", args, (1, 2), "url, headers?")
    if type(args[0]) is not str:
        raise RuffError("redirect_response requires a URL string")
    headers = {"Location": args[0]}
    if len(args) == 2 and type(args[1]) is dict:
        headers.update((k, v) for k, v in args[1].items() if type(v) is str)
    return HttpResponse(302, f"Redirecting to {args[0]}", headers)


@builtin("set_header")
def _set_header(ctx: Any, args: list) -> HttpResponse:
    """set_header(response, name, value): a new response with that header."""
    _arity("set_header", args, (3,), "response, name, value")
    response, name, value = args
    if type(name) is not str or type(value) is not str:
        raise RuffError("set_header requires response, header name, and header value")
    if type(response) is not HttpResponse:
        raise RuffError("set_header requires an HTTP response as first argument")
    return HttpResponse(response.status, response.body, {**response.headers, name: value})


@builtin("set_headers")
def _set_headers(ctx: Any, args: list) -> HttpResponse:
    """set_headers(response, dict): a new response with those (string) headers."""
    _arity("set_headers", args, (2,), "response, headers")
    response, headers = args
    if type(headers) is not dict:
        raise RuffError("set_headers requires response and headers dictionary")
    if type(response) is not HttpResponse:
        raise RuffError("set_headers requires an HTTP response as first argument")
    return HttpResponse(response.status, response.body,
                        {**response.headers, **{k: v for k, v in headers.items() if type(v) is str}})
