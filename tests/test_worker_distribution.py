"""How `bioharness run -n N` spreads scenarios: it asks xdist for `load`, and the plugin falls
back where that is unsafe for the bench (a physical device on one worker; against an external
server the workers share, one step module per worker)."""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

from harness.pytest_plugin import OneWorkerPerDevice, pytest_xdist_make_scheduler

pytest_plugins = ["pytester"]
EXTERNAL_MMS = "--mms-url=https://mms.lab.example/mms/MSBDeviceRequest/"
EXTERNAL_FIDO = "--fido-url=https://fido.lab.example/nevisfido"
LABGRID = "--labgrid-coordinator=127.0.0.1:20408"


@pytest.mark.parametrize(
    ("options", "scheduler"),
    [
        (["--dist=load"], None),  # all the harness's own: scenario by scenario, as asked
        (["--dist=load", "--device=pty", "--device=usb"], None),
        (["--dist=load", EXTERNAL_MMS], LoadFileScheduling),
        (["--dist=load", EXTERNAL_FIDO], LoadFileScheduling),
        (["--dist=load", "--device=serial:/dev/ttyUSB0"], OneWorkerPerDevice),
        (["--dist=load", "--device=pty", "--device=usb:1209:0001"], OneWorkerPerDevice),
        (["--dist=load", "--mds-sbi-url=http://127.0.0.1:4501"], OneWorkerPerDevice),
        (["--dist=load", "--device=labgrid:bench-7", LABGRID], OneWorkerPerDevice),
        (["--dist=load", "--labgrid-place=bench-7", LABGRID], OneWorkerPerDevice),
        (["--dist=loadfile"], None),  # what the harness's own tests ask for, kept
        (["--dist=loadfile", "--device=serial:/dev/ttyUSB0"], OneWorkerPerDevice),
        (["--dist=no", "--device=serial:/dev/ttyUSB0"], None),
    ],
)
def test_the_distribution_is_safe_for_the_bench(
    pytester: pytest.Pytester, options: list[str], scheduler: type | None
) -> None:
    # (hypothesis's plugin kept out as in pyproject's addopts: loaded here, in this process, it
    # would count as still initialising and warn on every later strategy the fuzz tests build)
    config = pytester.parseconfig("--tx=2*popen", "-p", "no:hypothesispytest", *options)
    made = pytest_xdist_make_scheduler(config, None)
    assert (None if made is None else type(made)) is scheduler
