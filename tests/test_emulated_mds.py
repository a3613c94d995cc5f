"""The emulated MDS keeps going when its MMS cannot be reached, as a real one must."""

from __future__ import annotations

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.jose.jws import Signer
from harness.mds.service import EmulatedMds, MdsConfig
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore


def test_an_unreachable_mms_is_a_problem_noted_not_a_crash() -> None:
    pki = fixture_pki()
    config = MdsConfig(
        mms_url="http://127.0.0.1:9/mms/MSBDeviceRequest/",  # nothing listens on port 9
        server_trust=TrustStore([pki.cert("server-root-ca")]),
        signer=Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),)),
        http_timeout=2.0,
    )
    mds = EmulatedMds(EmulatedDevice(fixture_devices()["finger-auth"]), config)
    mds.sync()  # must not raise: the refresh loop calls it and would end
    assert mds.problem and "ConnectError" in mds.problem
