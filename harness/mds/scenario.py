"""One device scenario's bench: the device opened on its transport, the embedded reference MMS
playing the server (with a real device enrolled as the fixture it plays), and the MDS under
test prepared against it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509

from harness.bench import Bench
from harness.device.connect import BenchDevice, connect
from harness.device.identity import DeviceIdentity
from harness.device.interface import Device
from harness.evidence import Evidence
from harness.jose.jws import Signer
from harness.mds.sbi_client import SbiClient
from harness.mds.service import MdsConfig
from harness.mds.under_test import MdsUnderTest
from harness.mds.waits import MdsWaits
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore
from harness.servers.mms.registry import fixture_record
from harness.servers.mms.service import MmsService
from harness.targets import MmsTarget
from harness.verdict import BenchFault


@dataclass
class DeviceScenario:
    """The bench device, the reference MMS, the MDS under test, and the requirement the
    scenario checks (its @req tag), which its verdicts name."""

    bench_device: BenchDevice
    fixture: DeviceIdentity
    mms: MmsService
    mds: MdsUnderTest
    original_certificate: x509.Certificate
    requirement: str | None
    waits: MdsWaits
    sbi: SbiClient | None = None

    @property
    def device(self) -> Device:
        return self.bench_device.device

    @property
    def trust(self) -> TrustStore:
        """The device trust of the reference MMS (device CA, and a real device's anchors)."""
        return self.mms.material.device_trust

    def started_sbi(self) -> SbiClient:
        """The SBI of the started MDS (a scenario that reads it before "the MDS starts" is a
        bench fault)."""
        if self.sbi is None:
            raise BenchFault("the scenario reads the SBI before the MDS has started")
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
    """Open the device on `transport`, enrol a real one on the reference MMS as `fixture`, and
    prepare (not start) the MDS under test; the MDS is stopped and the device closed after."""
    if mms.reference is None:
        raise BenchFault("device scenarios need the embedded reference MMS to play the server")
    opened = connect(
        transport,
        fixture,
        evidence,
        timeout=bench.timeouts.device_command,
        boot_timeout=bench.timeouts.device_boot,
    )
    try:
        if opened.real:
            enroll(mms.reference, opened.device, fixture)
        mds = MdsUnderTest(
            opened.device,
            mds_config(bench, mms),
            evidence,
            device_code=fixture.device_code,
            factory=bench.mds.emulated(),
            sbi_url=bench.mds.sbi_url,
            launch=bench.mds.launch,
            start_timeout=bench.timeouts.mds_start,
        )
        try:
            yield DeviceScenario(
                bench_device=opened,
                fixture=fixture,
                mms=mms.reference,
                mds=mds,
                original_certificate=opened.device.certificate,
                requirement=requirement,
                waits=MdsWaits.of(bench.timeouts),
            )
        finally:
            mds.stop()
    finally:
        opened.close()


def mds_config(bench: Bench, mms: MmsTarget) -> MdsConfig:
    """How the emulated MDS reaches and trusts the MMS, and signs as the fixture vendor's MDS."""
    pki = fixture_pki()
    return MdsConfig(
        mms_url=mms.url,
        server_trust=mms.server_trust,
        signer=Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),)),
        info=bench.mms.mds,
        http_timeout=bench.timeouts.http,
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
