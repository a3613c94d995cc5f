"""Pytest wiring for bioharness: bench options, requirement tags, capability skips."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import allure
import pytest

from harness.bench import (
    REFERENCE_FIDO,
    REFERENCE_MDS,
    REFERENCE_MMS,
    Bench,
    DeviceBench,
    FidoBench,
    MmsBench,
    parse_pinned_codes,
)
from harness.device.connect import DEFAULT_TRANSPORTS
from harness.hooks import HOOK_NAMES, LabHooks
from harness.report.catalogue import checks_any

pytest_plugins = ["harness.report.plugin"]

# Scenario tags that need a lab hook of the server under test (the embedded servers have all).
HOOK_TAGS = {"needs_clock_hook": "clock", "needs_fault_hook": "fault"}
# Feature tag of each specification, and the option that points it at an external server.
TARGET_OPTIONS = {"mms": "--mms-url", "fido": "--fido-url"}
SPEC_NAMES = {"mms": "Management Server", "fido": "Device Service"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bioharness", "bioharness bench")
    group.addoption(
        "--mms-url",
        default=os.environ.get("BIOHARNESS_MMS_URL"),
        help="MSBDeviceRequest URL of an external MMS (env BIOHARNESS_MMS_URL); "
        "default: start the embedded reference MMS",
    )
    group.addoption(
        "--mms-server-ca", type=Path, help="PEM trust anchor(s) for the MMS's answer signatures"
    )
    group.addoption(
        "--mms-device-ca",
        type=Path,
        help="PEM chain (device CA first) that rotated device certificates must chain to",
    )
    group.addoption(
        "--mms-service",
        default=REFERENCE_MMS,
        help="module:callable building the embedded MMS service (default: the reference MMS)",
    )
    group.addoption(
        "--mms-expect",
        action="append",
        default=[],
        metavar="CASE=CODE",
        help="pin the code for an unspecified case: bad_signature, untrusted_chain, "
        "malformed, unknown_api (default: any non-zero code)",
    )
    group.addoption(
        "--mms-allow-two-part-rotation",
        action="store_true",
        help="let the MMS accept msbKeyRotation in the two-part form its section shows "
        "(reported as an advisory); default: the form must be refused",
    )
    group.addoption(
        "--time-tolerance",
        type=float,
        default=30.0,
        help="seconds serverTimeStamp may differ from the harness clock (default 30)",
    )
    group.addoption(
        "--fido-url",
        default=os.environ.get("BIOHARNESS_FIDO_URL"),
        help="base URL of an external Device Service, e.g. https://host/nevisfido "
        "(env BIOHARNESS_FIDO_URL); default: start the embedded reference Device Service",
    )
    group.addoption(
        "--fido-service",
        default=REFERENCE_FIDO,
        help="module:callable building the embedded Device Service (default: the reference)",
    )
    group.addoption(
        "--fido-tolerance",
        type=float,
        default=300.0,
        help="the clock divergence (seconds) the Device Service accepts (default 300)",
    )
    group.addoption(
        "--fido-skew-margin",
        type=float,
        default=3.0,
        help="how far inside/outside the tolerance the clock-skew scenarios go (default 3 s)",
    )
    group.addoption(
        "--fido-unknown-device-status",
        type=int,
        help="pin the status for an unknown deviceId (default: any of 401, 403, 404)",
    )
    for spec in TARGET_OPTIONS:
        for hook in HOOK_NAMES:
            group.addoption(
                f"--{spec}-{hook}-hook",
                metavar="ACTION",
                help=f"the {hook} lab hook of an external {SPEC_NAMES[spec]}: 'POST <url>' or a "
                "shell command" + (" ({offset_ms}: the offset to set)" if hook == "clock" else ""),
            )
    group.addoption(
        "--shuffle",
        type=int,
        metavar="SEED",
        help="run the scenarios in an order shuffled by SEED (proves order independence)",
    )
    group.addoption(
        "--device",
        action="append",
        default=[],
        metavar="TRANSPORT",
        help="device under test, repeatable: pty, usb (the emulated device over a real pty or "
        "the emulated USB bus; default: both), memory, serial:<port>, usb:<vid>:<pid>[:<serial>]",
    )
    group.addoption(
        "--device-timeout",
        type=float,
        default=5.0,
        help="seconds a device gets to answer one command (default 5)",
    )
    group.addoption(
        "--device-trust", type=Path, help="PEM anchor(s) of a real device's certificates"
    )
    group.addoption(
        "--mds-sbi-url", help="SBI base URL of a vendor MDS (default: the emulated MDS)"
    )
    group.addoption(
        "--mds-launch",
        help="command that starts the vendor MDS; {mms_url} is replaced by the reference MMS URL",
    )
    group.addoption(
        "--mds-factory",
        default=REFERENCE_MDS,
        help="module:callable building the emulated MDS (default: the reference one)",
    )
    group.addoption(
        "--req",
        action="append",
        default=[],
        metavar="ID",
        help="run only scenarios checking this requirement id (repeatable; wildcards: 'DEV-*')",
    )
    group.addoption(
        "--thumbprint-hash",
        action="append",
        default=[],
        help="hash(es) accepted for encryptionCertThumbprint (default sha256)",
    )


@pytest.fixture(scope="session")
def bench(pytestconfig: pytest.Config) -> Bench:
    """The bench this run targets, from the command line and environment."""
    opt = pytestconfig.getoption
    return Bench(
        mms=MmsBench(
            url=opt("--mms-url") or None,
            server_ca=opt("--mms-server-ca"),
            device_ca=opt("--mms-device-ca"),
            service_factory=opt("--mms-service"),
            time_tolerance=dt.timedelta(seconds=opt("--time-tolerance")),
            thumbprint_hashes=tuple(opt("--thumbprint-hash") or ["sha256"]),
            pinned_codes=parse_pinned_codes(opt("--mms-expect")),
            two_part_rotation=opt("--mms-allow-two-part-rotation"),
            hooks=_hooks(pytestconfig, "mms"),
        ),
        fido=FidoBench(
            url=opt("--fido-url") or None,
            service_factory=opt("--fido-service"),
            tolerance=dt.timedelta(seconds=opt("--fido-tolerance")),
            skew_margin=dt.timedelta(seconds=opt("--fido-skew-margin")),
            unknown_device_status=opt("--fido-unknown-device-status"),
            hooks=_hooks(pytestconfig, "fido"),
        ),
        device=DeviceBench(
            transports=tuple(opt("--device") or DEFAULT_TRANSPORTS),
            mds_factory=opt("--mds-factory"),
            mds_sbi_url=opt("--mds-sbi-url"),
            mds_launch=opt("--mds-launch"),
            device_trust=opt("--device-trust"),
            timeout=opt("--device-timeout"),
        ),
    )


def _hooks(config: pytest.Config, spec: str) -> LabHooks:
    return LabHooks.from_actions(
        **{name: config.getoption(f"--{spec}-{name}-hook") for name in HOOK_NAMES}
    )


def _bench_hooks(config: pytest.Config, spec: str) -> list[str]:
    """The hooks the bench has for one specification's server (an embedded one has all)."""
    if not config.getoption(TARGET_OPTIONS[spec]):
        return list(HOOK_NAMES)
    return _hooks(config, spec).names()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every device scenario once per bench transport (by default: pty and USB)."""
    if metafunc.definition.get_closest_marker("device") is None:
        return
    transports: list = metafunc.config.getoption("--device") or list(DEFAULT_TRANSPORTS)
    if metafunc.definition.get_closest_marker("usb_only"):
        transports = [t for t in transports if t.startswith("usb")] or [
            pytest.param("none", marks=pytest.mark.skip(reason="no USB device on this bench"))
        ]
    metafunc.fixturenames.append("device_transport")
    metafunc.parametrize("device_transport", transports, indirect=True)


def pytest_bdd_apply_tag(tag: str, function: object) -> bool | None:
    """`@req:ID` becomes the marker `req(ID)`; other tags keep pytest-bdd's default."""
    if tag.startswith("req:"):
        pytest.mark.req(tag.removeprefix("req:"))(function)
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the scenarios of the requirements asked for (--req); skip scenarios that need a
    hook the bench lacks, saying which; shuffle the order when asked (--shuffle)."""
    wanted = config.getoption("--req")
    if wanted:
        keep, drop = [], []
        for item in items:
            ids = [mark.args[0] for mark in item.iter_markers("req")]
            (keep if checks_any(ids, wanted) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    for item in items:
        _skip_without_hooks(config, item)
    seed = config.getoption("--shuffle")
    if seed is not None:
        random.Random(seed).shuffle(items)


def _skip_without_hooks(config: pytest.Config, item: pytest.Item) -> None:
    """Skip a scenario that needs hooks its server lacks, naming every missing one."""
    spec = next((s for s in TARGET_OPTIONS if item.get_closest_marker(s)), None)
    if spec is None:
        return
    have = _bench_hooks(config, spec)
    missing = [h for tag, h in HOOK_TAGS.items() if item.get_closest_marker(tag) and h not in have]
    if missing:
        options = ", ".join(f"--{spec}-{h}-hook" for h in missing)
        item.add_marker(
            pytest.mark.skip(
                reason=f"needs the {' and '.join(missing)} hook of the {SPEC_NAMES[spec]} "
                f"under test: configure {options} (or [{spec}.hooks] in the profile)"
            )
        )


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = config.getoption("--shuffle")
    return None if seed is None else f"bioharness: scenarios shuffled with seed {seed}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    seed = config.getoption("--shuffle")
    if seed is not None and exitstatus != 0:
        terminalreporter.write_line(f"bioharness: the order was shuffled with --shuffle {seed}")


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest) -> None:
    """Show requirement ids in Allure as tags and a `requirement` label (after Allure's own
    hook has opened the test case)."""
    for mark in request.node.iter_markers("req"):
        allure.dynamic.tag(f"req:{mark.args[0]}")
        allure.dynamic.label("requirement", mark.args[0])
