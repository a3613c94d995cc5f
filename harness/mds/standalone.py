"""The emulated MDS as a process of its own that owns its emulated device (`bioharness serve
mds`): a suite grades it as it grades a vendor's MDS, through its SBI and the requests it sends
to the MMS, never through the device."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import DeviceIdentity
from harness.evidence import Evidence
from harness.mds.sbi import build_app
from harness.mds.service import EmulatedMds, MdsConfig
from harness.servers.runner import EmbeddedServer


@contextlib.contextmanager
def serving_emulated_mds(
    fixture: DeviceIdentity, mms_url: str, host: str = "127.0.0.1", port: int = 0
) -> Iterator[EmbeddedServer]:
    """The emulated MDS of the emulated `fixture` device, synchronising with the MMS at
    `mms_url` and serving its SBI on `host:port` (0: a free port) while the context lasts."""
    mds = EmulatedMds(
        EmulatedDevice(fixture), MdsConfig.of_fixture_mds(mms_url), Evidence(), fixture.device_code
    )
    mds.start()
    with EmbeddedServer(mds, build_app(mds), "", host, port) as server:
        yield server
