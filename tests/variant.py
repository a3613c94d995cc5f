"""Server variants for the suite to be tried on: a reference service factory with a subclass
swapped in, and what the suite must say of a broken one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import httpx

from harness.jose.decode import decode
from harness.mds.sbi import SbiAnswers
from harness.mds.service import EmulatedMds


def mds_answering_with(answers: type[SbiAnswers]) -> type[EmulatedMds]:
    """An EmulatedMds whose SBI answers with `answers` (an SbiAnswers variant)."""
    return type(
        answers.__name__.lstrip("_"),
        (EmulatedMds,),
        {"sbi_answers": answers, "__doc__": answers.__doc__},
    )


def variant_factory(reference: Callable[..., Any], cls: type) -> Callable[..., Any]:
    """A factory like `reference` (db_path, clock, options such as tolerance) that builds `cls`
    instead of the reference."""

    def build(db_path: Any = ":memory:", clock: Any = None, **options: Any) -> Any:
        return reference(db_path, clock, cls=cls, **options)

    build.__doc__ = cls.__doc__
    return build


# (scenarios that must fail, scenarios that must still pass) against a broken variant; a scenario
# is its title as in the feature file and an optional fragment of the Examples row's id.
Expectation = tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]


def unverified_header(token: object) -> dict[str, Any]:
    """A token's protected header as written (empty when there is none to read)."""
    header = decode(token).get("header")
    return header if isinstance(header, dict) else {}


def fetch_key_urls(header: dict[str, Any]) -> None:
    """What a broken server does with `jku` / `x5u`: fetch them (errors ignored)."""
    for name in ("jku", "x5u"):
        if isinstance(header.get(name), str):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(header[name], timeout=2)
