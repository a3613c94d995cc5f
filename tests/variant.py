"""Building a deliberately broken server: a reference service factory with a subclass swapped in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def variant_factory(reference: Callable[..., Any], cls: type) -> Callable[..., Any]:
    """A factory like `reference` (db_path, clock, options such as tolerance) that builds `cls`
    instead of the reference."""

    def build(db_path: Any = ":memory:", clock: Any = None, **options: Any) -> Any:
        return reference(db_path, clock, cls=cls, **options)

    build.__doc__ = cls.__doc__
    return build
