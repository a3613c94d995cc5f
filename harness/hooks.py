"""Lab hooks: what a bench can do to a server under test that its API cannot.

A real server offers no way to restore fixture state, move its clock or fail on purpose, but a
lab often can (an admin API, a database script, a container restart). Each hook is either an
HTTP request (`"POST https://admin.lab/reset"`, or a bare URL, sent as POST) or a shell command;
`{offset_ms}` in the clock hook is replaced by the server clock offset to set, in milliseconds.

- `reset`: restore the fixture state (run before a scenario that consumes state);
- `clock`: set the server clock's offset from real time (0 sets it right);
- `fault`: make the server's next request hit an internal fault (-1001 / HTTP 500).

A bench device may have one hook of the same kind, `power` (harness/device/power.py): switch
its power `{action}` (on, off, cycle), e.g. a PDU's admin URL or a relay board's command.

The embedded reference servers offer the same three over HTTP when started with test hooks
(`bioharness serve ... --test-hooks`), at `<origin>/bioharness/test-hooks/<name>`.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass

import httpx

from harness.verdict import BenchFault

HOOK_NAMES = ("reset", "clock", "fault")  # the hooks of a server under test
DEVICE_HOOK_NAMES = ("power",)  # the hooks of a bench device
HOOK_TIMEOUT = 30.0  # seconds one hook may take, unless the bench says
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TEST_HOOKS_PATH = "/bioharness/test-hooks"


@dataclass(frozen=True)
class Hook:
    """One hook: an HTTP request or a shell command, bounded by `timeout` seconds."""

    name: str
    action: str
    timeout: float = HOOK_TIMEOUT

    def __post_init__(self) -> None:
        known = (*HOOK_NAMES, *DEVICE_HOOK_NAMES)
        if self.name not in known:
            raise ValueError(f"unknown hook {self.name!r}; known: {', '.join(known)}")
        if not self.action.strip():
            raise ValueError(f"the {self.name} hook is empty")

    @property
    def request(self) -> tuple[str, str] | None:
        """(method, URL) when the hook is an HTTP request, else None (a shell command)."""
        words = self.action.split()
        if len(words) == 2 and words[0].upper() in HTTP_METHODS:
            method, url = words[0].upper(), words[1]
        elif len(words) == 1:
            method, url = "POST", words[0]
        else:
            return None
        return (method, url) if url.startswith(("http://", "https://")) else None

    def run(self, **values: object) -> str:
        """Run the hook with its placeholders filled; its output. BenchFault when it fails."""
        try:
            action = self.action.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise BenchFault(f"{self.name} hook {self.action!r}: bad placeholder {exc}") from exc
        filled = Hook(self.name, action, self.timeout)
        return filled._http(*filled.request) if filled.request else filled._shell()

    def _http(self, method: str, url: str) -> str:
        try:
            response = httpx.request(method, url, timeout=self.timeout, verify=False)
        except httpx.HTTPError as exc:
            raise BenchFault(f"{self.name} hook {method} {url}: {exc}") from exc
        if response.status_code >= 300:
            raise BenchFault(
                f"{self.name} hook {method} {url}: HTTP {response.status_code} "
                f"{response.text[:300]!r}"
            )
        return response.text

    def _shell(self) -> str:
        try:
            done = subprocess.run(
                self.action, shell=True, capture_output=True, text=True, timeout=self.timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchFault(f"{self.name} hook timed out after {self.timeout}s") from exc
        if done.returncode != 0:
            raise BenchFault(
                f"{self.name} hook {shlex.quote(self.action)} exited {done.returncode}: "
                f"{(done.stderr or done.stdout)[-500:]}"
            )
        return done.stdout

    def __repr__(self) -> str:
        return f"Hook({self.name}: {self.action})"


@dataclass(frozen=True)
class LabHooks:
    """The hooks a bench has for one server (each may be missing)."""

    reset: Hook | None = None
    clock: Hook | None = None
    fault: Hook | None = None

    @classmethod
    def from_actions(cls, timeout: float = HOOK_TIMEOUT, **actions: str | None) -> LabHooks:
        """Hooks from their actions by name (None or "" leaves a hook out)."""
        return cls(**{n: Hook(n, a, timeout) for n, a in actions.items() if a})

    @classmethod
    def test_hooks_of(cls, origin: str, timeout: float = HOOK_TIMEOUT) -> LabHooks:
        """The hooks an embedded reference server offers at `origin` (scheme://host:port)."""
        base = origin.rstrip("/") + TEST_HOOKS_PATH
        return cls.from_actions(
            timeout,
            reset=f"POST {base}/reset",
            clock=f"POST {base}/clock?offset_ms={{offset_ms}}",
            fault=f"POST {base}/fault",
        )

    def has(self, name: str) -> bool:
        return getattr(self, name) is not None

    def names(self) -> list[str]:
        """The hooks this bench has."""
        return [n for n in HOOK_NAMES if self.has(n)]

    def run(self, name: str, **values: object) -> str:
        """Run hook `name`; BenchFault when the bench has none."""
        hook = getattr(self, name)
        if hook is None:
            raise BenchFault(f"the bench has no {name} hook")
        return hook.run(**values)
