"""Wrongly formed Device-Signature / PATCH payloads: a field in the wrong JSON type, or a payload
that is not a JSON object. Each form derives the bad value from the good one, so nothing else
is wrong with the request (a creation time sent as a string still says the current time)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

# A mandatory field's value in another JSON type (NaN and Infinity are what Python's json
# writes for them: not JSON at all, as a careless client might send).
FIELD_FORMS: dict[str, Callable[[Any], Any]] = {
    "a number": lambda good: 7,
    "a string": lambda good: str(good),
    "a fraction": lambda good: good + 0.5,
    "NaN": lambda good: float("nan"),
    "Infinity": lambda good: float("inf"),
    "null": lambda good: None,
    "an array": lambda good: [good],
    "an object": lambda good: {"value": good},
}

# The whole signed payload as another JSON value than an object.
PAYLOAD_FORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "a JSON array": lambda good: [good],
    "a JSON string": lambda good: "a JSON string, not an object",
    "a JSON number": lambda good: 1700726870458,
}


def field_form(name: str) -> Callable[[Any], Any]:
    """The field form called `name`; KeyError naming the known ones."""
    if name not in FIELD_FORMS:
        raise KeyError(f"unknown field form {name!r}; known: {', '.join(FIELD_FORMS)}")
    return FIELD_FORMS[name]


def payload_form(name: str) -> Callable[[dict[str, Any]], Any]:
    """The payload form called `name`; KeyError naming the known ones."""
    if name not in PAYLOAD_FORMS:
        raise KeyError(f"unknown payload form {name!r}; known: {', '.join(PAYLOAD_FORMS)}")
    return PAYLOAD_FORMS[name]


def fresh_of_length(length: int) -> Callable[[Any], str]:
    """A value of exactly `length` characters, new for every request: a requestId is "a unique
    identifier", and a server may refuse one it has seen (in this run or an earlier one)."""
    return lambda _: "".join(uuid.uuid4().hex for _ in range(length // 32 + 1))[:length]
