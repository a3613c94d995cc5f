"""A bench device's power switch: what lets a bench cut a device's power and give it back, to
recover a wedged device or to check what its MDS does after a power loss.

The emulated device's firmware is its own switch (harness/device/emulator/firmware.py). A lab
names its switch as a `power` hook (harness/hooks.py), a shell command or HTTP request in which
`{action}` becomes on, off or cycle; a labgrid place's power port is driven that way too, through
labgrid's own `labgrid-client power` (harness/device/labgrid_place.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from harness.hooks import Hook

NO_POWER_SWITCH = (
    "this bench cannot power-cycle its device: give [device] power or a labgrid place with a "
    "power port"
)


class PowerSwitch(Protocol):
    """Cuts a device's power and gives it back."""

    def power_off(self) -> None: ...

    def power_on(self) -> None: ...

    def power_cycle(self) -> None: ...


@dataclass(frozen=True)
class PowerHook:
    """A lab's power switch: its `power` hook, run with {action} on, off or cycle (a cycle is
    the switch's own, with the off time it keeps). A failing hook is a BenchFault."""

    hook: Hook

    def power_off(self) -> None:
        self.hook.run(action="off")

    def power_on(self) -> None:
        self.hook.run(action="on")

    def power_cycle(self) -> None:
        self.hook.run(action="cycle")
