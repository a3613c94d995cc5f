"""A vendor bench, run for real: the MDS is a separate process that owns its device (the
emulated MDS started through --mds-launch, `bioharness serve mds`), the suite gets no --device,
and every device and SBI verdict comes from what the suite can observe: the requests the MDS
sends to the reference MMS and the MDS's SBI answers. No scenario opens the device."""

from __future__ import annotations

import shlex
import socket
import sys
from pathlib import Path

from harness.device.power import NO_POWER_SWITCH
from tests.suite_runner import run_suite

# What only a bench that owns the device can do, and nothing else, is skipped.
OWNED_DEVICE_ONLY = {
    "this bench cannot unplug its device",
    "a vendor MDS owns the device: the bench cannot set its clock",
    "no USB device on this bench",
    NO_POWER_SWITCH,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_device_and_sbi_features_pass_through_a_vendor_mds_that_owns_its_device(
    tmp_path: Path,
) -> None:
    port = _free_port()
    launch = shlex.join([sys.executable, "-m", "harness.cli", "serve", "mds"])
    launch += " --mms-url {mms_url} --port {sbi_port} --as {device}"
    run = run_suite(
        tmp_path,
        "steps/test_device.py",
        f"--mds-sbi-url=http://127.0.0.1:{port}",
        f"--mds-launch={launch}",
        "steps/test_sbi.py",
    )
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed, sorted(run.failed)
    assert set(run.skip_reasons.values()) <= OWNED_DEVICE_ONLY, run.skip_reasons
    # every scenario ran on the vendor's device (the USB-only one has none to run on)
    opened = [n for n in run.passed | run.skipped if "[vendor-mds" not in n and "[none]" not in n]
    assert not opened, f"scenarios that ran on a device the suite opened: {opened}"
