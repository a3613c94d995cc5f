"""Evidence of a scenario: every exchange and decoded message, plus advisory findings.

Harness code records here; the pytest layer subscribes a sink that attaches each item to the
report of the scenario that caused it, so the library itself does not depend on a reporter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.jose.decode import decode


@dataclass(frozen=True)
class Item:
    """One piece of evidence: a titled text or JSON document."""

    name: str
    body: str
    mime: str  # "application/json" or "text/plain"


Sink = Callable[[Item], None]


class Evidence:
    """An append-only log of evidence items, fanned out to subscribed sinks as they arrive."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.advisories: list[str] = []
        self._sinks: list[Sink] = []

    def subscribe(self, sink: Sink) -> None:
        self._sinks.append(sink)

    def add(self, name: str, body: Any) -> None:
        """Record text as is, or anything else as indented JSON."""
        if isinstance(body, str):
            item = Item(name, body, "text/plain")
        else:
            item = Item(name, json.dumps(body, indent=2, default=str), "application/json")
        self.items.append(item)
        for sink in self._sinks:
            sink(item)

    def add_jws(self, label: str, token: object) -> None:
        """Record the decoded header and payload of a JWS (valid or not)."""
        self.add(f"{label} JWS decoded", decode(token))

    def advisory(self, text: str) -> None:
        """A best-practice finding: reported as a warning, never a failure."""
        self.advisories.append(text)
        self.add("ADVISORY", text)

    def __repr__(self) -> str:
        return f"Evidence({len(self.items)} items)"
