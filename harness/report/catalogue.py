"""What the suite can check: the scenarios of `features/` with their tags, and the requirement
ids of `docs/requirements.md` with the clauses they stand for."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pytest_bdd.parser import FeatureParser

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"
REQUIREMENTS_DOC = ROOT / "docs" / "requirements.md"

# Tags that say what a bench must be able to do for a scenario to run.
CAPABILITY_TAGS = {
    "embedded_server_only": "the embedded reference MMS (device scenarios)",
    "needs_server_fault": "the server's fault hook",
    "needs_server_clock": "the server's clock hook",
    "needs_device_clock": "a device whose clock the bench can set",
    "needs_device_power": "a device whose power the bench can switch",
    "usb_only": "a device on USB",
    "consumes_state": "fixture state of its own (restored, or the server's reset hook)",
}
SPEC_TAGS = ("mms", "fido", "device")


@dataclass(frozen=True)
class Requirement:
    """One requirement id: the specification it belongs to, its clause, what is checked."""

    id: str
    specification: str
    clause: str
    checked: str


@dataclass(frozen=True)
class Scenario:
    """One scenario (or outline) of a feature file, with its own and its feature's tags."""

    name: str
    feature: str
    path: str  # relative to the project root
    line: int
    tags: frozenset[str]

    @property
    def requirements(self) -> list[str]:
        return sorted(t.removeprefix("req:") for t in self.tags if t.startswith("req:"))

    @property
    def needs(self) -> list[str]:
        """The bench capabilities the scenario needs."""
        return [need for tag, need in CAPABILITY_TAGS.items() if tag in self.tags]

    @property
    def specification(self) -> str:
        return next((t for t in SPEC_TAGS if t in self.tags), "")


def checks_any(requirement_ids: list[str], patterns: list[str]) -> bool:
    """Whether any of `requirement_ids` matches any pattern (an id, or a wildcard: 'DEV-*')."""
    return any(fnmatch.fnmatchcase(i, p) for i in requirement_ids for p in patterns)


def scenarios(features: Path = FEATURES) -> list[Scenario]:
    """Every scenario of every feature file below `features`, in file order."""
    found = []
    for path in sorted(features.rglob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for s in feature.scenarios.values():
            found.append(
                Scenario(
                    name=s.name,
                    feature=feature.name,
                    path=str(path.relative_to(features.parent)),
                    line=s.line_number,
                    tags=frozenset(s.tags) | frozenset(feature.tags),
                )
            )
    return found


@cache
def requirements(doc: Path = REQUIREMENTS_DOC) -> dict[str, Requirement]:
    """Requirement ids by id, from the tables of the requirements document (under `## ` headings
    that name the specification)."""
    found: dict[str, Requirement] = {}
    specification = ""
    for line in doc.read_text().splitlines():
        if line.startswith("## "):
            specification = line.removeprefix("## ").split(" (")[0].strip()
        row = re.match(r"^\| ([A-Z]+-[A-Z0-9-]+) \| (.*?) \| (.*?) \|$", line)
        if row:
            found[row[1]] = Requirement(row[1], specification, row[2], row[3])
    return found
