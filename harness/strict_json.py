"""JSON as the specifications mean it, parsed with bounds: the one parser for anything a peer sends.

RFC 8259 text in UTF-8, nested at most `MAX_DEPTH` deep, no member name twice in an object
(RFC 7515 demands it of JOSE headers; a payload that says two things is refused as well), no
`NaN` / `Infinity` (not JSON) nor a number too large for a double, and no lone UTF-16
surrogate escape (text that cannot be stored, logged or answered as UTF-8). Anything else is
`JsonRejected`, never a RecursionError.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # objects and arrays nested deeper than this are refused


class JsonRejected(ValueError):
    """Bytes or text that are not JSON within the bounds above; the message says why."""


def _no_constants(name: str) -> Any:
    raise JsonRejected(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonRejected(f"the number {text[:40]} is too large for a double")
    return value


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise JsonRejected(f"member {name!r} appears more than once")
        members[name] = value
    return members


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JsonRejected(f"a lone UTF-16 surrogate escape at {exc.start}") from None


def _check_tree(value: Any) -> None:
    """Depth and text checks over the parsed value, without recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise JsonRejected(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key in node:
                _check_text(key)
            stack.extend((v, depth + 1) for v in node.values())
        else:
            stack.extend((v, depth + 1) for v in node)


def loads(data: bytes | str) -> Any:
    """The JSON value of `data` (bytes must be UTF-8); JsonRejected when it is not one within
    the bounds."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonRejected(f"not UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(
            data,
            parse_constant=_no_constants,
            parse_float=_finite,
            object_pairs_hook=_unique_members,
        )
    except RecursionError:
        raise JsonRejected(f"nested deeper than {MAX_DEPTH} levels") from None
    except JsonRejected:
        raise
    except ValueError as exc:
        raise JsonRejected(f"not JSON: {exc}") from None
    _check_tree(value)
    return value
