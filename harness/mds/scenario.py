"""One device scenario's bench: the device opened on its transport, the embedded reference MMS
playing the server (with a real device enrolled as the fixture it plays), the MDS under test
prepared against it, and the device's power switch where the bench has one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509

from harness.bench import Bench
from harness.clock import SystemClock, Timeline
from harness.device.connect import EMULATED_TRANSPORTS, BenchDevice, connect
from harness.device.identity import DeviceIdentity
from harness.device.interface import Device
from harness.device.labgrid_place import held_place
from harness.device.power import NO_POWER_SWITCH, PowerSwitch
from harness.evidence import Evidence
from harness.mds import checks
from harness.mds.sbi_client import SbiClient
from harness.mds.service import MdsConfig
from harness.mds.under_test import MdsUnderTest
from harness.mds.waits import MdsWaits
from harness.pki.trust import TrustStore
from harness.servers.mms.registry import fixture_record
from harness.servers.mms.service import MmsService
from harness.targets import MmsTarget
from harness.verdict import BenchFault
from harness.virtual_clock import VirtualClock

# The transport of a device a vendor MDS owns: the suite opens nothing and grades what it sees.
VENDOR_MDS = "vendor-mds"


@dataclass
class DeviceScenario:
    """The bench device (None when a vendor MDS owns it), the reference MMS, the MDS under test,
    the device's power switch (None: the bench has none), and the requirement the scenario
    checks (its @req tag), which its verdicts name."""

    bench_device: BenchDevice | None
    fixture: DeviceIdentity
    mms: MmsService
    mds: MdsUnderTest
    # the device's certificate before the MDS acted (None: read from the SBI once it started)
    original_certificate: x509.Certificate | None
    requirement: str | None
    waits: MdsWaits
    sbi: SbiClient | None = None
    required_purpose: str | None = None  # a scenario about one purpose skips on another
    discovered_serial: str | None = None  # a vendor MDS's device, as its discovery names it
    power: PowerSwitch | None = None
    power_cycled: bool = False  # the scenario switched the device's power off and on

    @property
    def owns_device(self) -> bool:
        """Whether the bench reaches the device itself (not through a vendor MDS)."""
        return self.bench_device is not None

    @property
    def clock(self) -> Timeline:
        """The timeline the scenario waits on (virtual on an all-emulated bench)."""
        return self.waits.clock

    @property
    def device(self) -> Device:
        if self.bench_device is None:
            raise BenchFault("a vendor MDS owns the device: the bench cannot reach it")
        return self.bench_device.device

    @property
    def serial_number(self) -> str:
        """The device's serial number: as it reports it (a vendor MDS's device: as its SBI's
        discovery does once the MDS started), else as the fixture it plays says."""
        if self.owns_device:
            return self.device.identity.serial_number
        return self.discovered_serial or self.fixture.serial_number

    @property
    def trust(self) -> TrustStore:
        """The device trust of the reference MMS (device CA, and a real device's anchors)."""
        return self.mms.material.device_trust

    def power_switch(self) -> PowerSwitch:
        """The device's power switch; a BenchFault when the bench has none."""
        if self.power is None:
            raise BenchFault(NO_POWER_SWITCH)
        return self.power

    def wedge_device(self) -> None:
        """Make the device stop answering: the emulated firmware hangs (a hang only a power
        cycle clears); a real device has its power cut, all a bench can do to one."""
        firmware = self.bench_device.firmware if self.bench_device else None
        if firmware is not None:
            firmware.hung = True
        else:
            self.power_switch().power_off()

    def power_cycle(self) -> None:
        """Cut the device's power and give it back; when the bench owns the device, return once
        it answers again (within the boot timeout)."""
        self.power_switch().power_cycle()
        self.power_cycled = True
        if self.owns_device:
            self.device.wait_until_booted()

    def started_sbi(self) -> SbiClient:
        """The SBI of the started MDS (a scenario that reads it before "the MDS starts" is a
        bench fault)."""
        if self.sbi is None:
            raise BenchFault("the scenario reads the SBI before the MDS has started")
        return self.sbi

    def start_mds(self) -> SbiClient:
        """Start the MDS under test. A vendor MDS's device is the one its discovery names; its
        original certificate, unless it is the fixture the bench knows, is the one its signed
        device info shows now."""
        self.sbi = self.mds.start()
        if not self.owns_device:
            self.discovered_serial = checks.discovered_serial(
                self.sbi, requirement=self.requirement
            )
            if self.discovered_serial != self.fixture.serial_number:
                self.original_certificate = None
        if self.original_certificate is None:
            self.original_certificate = checks.sbi_signer(
                self.sbi, self.trust, waits=self.waits, requirement=self.requirement
            )
        return self.sbi


@contextlib.contextmanager
def device_scenario(
    bench: Bench,
    transport: str,
    fixture: DeviceIdentity,
    mms: MmsTarget,
    evidence: Evidence,
    requirement: str | None = None,
) -> Iterator[DeviceScenario]:
    """Open the device on `transport` (nothing when a vendor MDS owns it), enrol a real one on
    the reference MMS as `fixture`, and prepare (not start) the MDS under test; the MDS is
    stopped and the device closed after. The device, the MDS and the MMS keep time on one
    timeline (`scenario_clock`)."""
    if mms.reference is None:
        raise BenchFault("device scenarios need the embedded reference MMS to play the server")
    clock = scenario_clock(bench, transport)
    with contextlib.ExitStack() as cleanup:
        cleanup.enter_context(mms.reference.running_on(clock))
        opened = None
        if transport != VENDOR_MDS:
            opened = connect(
                transport,
                fixture,
                evidence,
                timeout=bench.timeouts.device_command,
                boot_timeout=bench.timeouts.device_boot,
                clock=clock,
            )
            cleanup.callback(opened.close)
            if opened.real:
                enroll(mms.reference, opened.device, fixture)
        mds = MdsUnderTest(
            opened.device if opened else None,
            mds_config(bench, mms, clock),
            evidence,
            device_code=fixture.device_code,
            factory=bench.mds.emulated(),
            sbi_url=bench.mds.sbi_url,
            launch=bench.mds.launch,
            start_timeout=bench.timeouts.mds_start,
            plays=fixture.name,
            bio_type=opened.device.identity.bio_type if opened else fixture.bio_type,
        )
        cleanup.callback(mds.stop)
        known = mms.reference.device_certificates.get(fixture.serial_number, [])
        yield DeviceScenario(
            bench_device=opened,
            fixture=fixture,
            mms=mms.reference,
            mds=mds,
            original_certificate=opened.device.certificate if opened else next(iter(known), None),
            requirement=requirement,
            waits=MdsWaits.of(bench.timeouts, clock),
            power=power_switch(bench, opened),
        )


def power_switch(bench: Bench, opened: BenchDevice | None) -> PowerSwitch | None:
    """The device's power switch: the bench's power hook ([device] power), else what its
    transport brings (the emulated firmware, a labgrid place's power port), else the power port
    of the labgrid place the run holds; None when there is none."""
    switch = bench.device_power() or (opened.power if opened else None)
    if switch is None and (place := bench.labgrid_place()) is not None:
        switch = held_place(place).power
    return switch


def scenario_clock(bench: Bench, transport: str) -> Timeline:
    """One virtual clock when the device (emulated in this process), the MDS (emulated) and the
    MMS (embedded) are all the harness's own and the bench keeps virtual time; else real time."""
    own = transport in EMULATED_TRANSPORTS and bench.mds.sbi_url is None
    return VirtualClock() if own and bench.device.time == "virtual" else SystemClock()


def mds_config(bench: Bench, mms: MmsTarget, clock: Timeline | None = None) -> MdsConfig:
    """How the emulated MDS reaches and trusts the MMS, signs as the fixture vendor's MDS, and
    keeps time (on `clock`, default: real time)."""
    return MdsConfig.of_fixture_mds(
        mms.url,
        mms.server_trust,
        info=bench.mms.mds,
        http_timeout=bench.timeouts.http,
        clock=clock,
    )


def enroll(mms: MmsService, device: Device, fixture: DeviceIdentity) -> None:
    """A real device joins the reference MMS with the server state of the fixture it plays,
    under the identity it reports."""
    info = device.identity
    mms.registry.enroll(
        fixture_record(
            fixture,
            mms.clock.now(),
            serial_number=info.serial_number,
            model_id=info.model_id,
            provider_id=info.provider_id,
            bio_type=info.bio_type,
            purpose=info.purpose,
        ),
        mms.clock.now(),
    )
