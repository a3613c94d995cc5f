"""The pytest plugin over the harness library (entry point `pytest11`): the bench's options, the
`bench`, target, client and evidence fixtures the steps take, requirement tags, and the skips
for what a bench cannot do. The verdicts themselves are in harness/*/checks.py."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import allure
import pytest
from xdist.scheduler import LoadFileScheduling

from harness import settings, step_lookup, targets
from harness.bench import SETTING_GROUPS, Bench
from harness.device.connect import EMULATED_TRANSPORTS, PHYSICAL_KINDS, check_transport, connect
from harness.device.identity import fixture_devices
from harness.device.labgrid_place import LabgridPlace, acquired
from harness.device.power import NO_POWER_SWITCH
from harness.evidence import Evidence, Item
from harness.fido.client import FidoClient
from harness.fido.keys import DeviceHeldKeys, HarnessHeldKeys, TargetKeys
from harness.hooks import HOOK_NAMES, LabHooks
from harness.hostile.canary import Canary, address_towards
from harness.mds.scenario import VENDOR_MDS
from harness.mms.client import MmsClient
from harness.report.catalogue import checks_any
from harness.report.records import ADVISORY
from harness.servers.fido.service import FidoService
from harness.servers.mms.service import MmsService
from harness.targets import FIDO_BENCH_DEVICE, FidoTarget, MmsTarget

pytest_plugins = ["harness.report.plugin", "harness.sharding"]

# Scenario tags that need a lab hook of the server under test (the embedded servers have all).
HOOK_TAGS = {"needs_server_clock": "clock", "needs_server_fault": "fault"}
SPEC_NAMES = {"mms": "Management Server", "fido": "Device Service"}
_BENCH = pytest.StashKey[Bench]()


def pytest_configure(config: pytest.Config) -> None:
    """pytest-bdd looks steps up through harness/step_lookup.py (listed once per module)."""
    step_lookup.install()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bioharness", "bioharness bench")
    settings.add_options(group.addoption, SETTING_GROUPS)


def bench_of(config: pytest.Config) -> Bench:
    """The bench this run targets, from its options (read once)."""
    if _BENCH not in config.stash:
        config.stash[_BENCH] = Bench.from_options(config.getoption)
    return config.stash[_BENCH]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bench(pytestconfig: pytest.Config) -> Bench:
    """The bench this run targets."""
    return bench_of(pytestconfig)


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Iterator[Evidence]:
    """This scenario's evidence; every item is attached to the Allure step that made it, and
    the advisories go to the conformance summary."""
    log = Evidence()
    log.subscribe(_attach)
    yield log
    request.node.user_properties += [(ADVISORY, text) for text in log.advisories]


def _attach(item: Item) -> None:
    json_item = item.mime == "application/json"
    kind = allure.attachment_type.JSON if json_item else allure.attachment_type.TEXT
    allure.attach(item.body, name=item.name, attachment_type=kind)


@pytest.fixture(scope="session")
def mms_target(bench: Bench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MmsTarget]:
    """The MMS under test: the external URL, or an embedded one started once per session."""
    with targets.mms_target(bench, tmp_path_factory.mktemp("mms")) as target:
        yield target


@pytest.fixture(scope="session")
def fido_target(bench: Bench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FidoTarget]:
    """The Device Service under test: the external base URL, or an embedded one."""
    with targets.fido_target(bench, tmp_path_factory.mktemp("fido")) as target:
        yield target


@pytest.fixture
def mms_client(mms_target: MmsTarget, bench: Bench, evidence: Evidence) -> Iterator[MmsClient]:
    """An HTTP client for the MMS under test."""
    with MmsClient(
        mms_target.url, mms_target.server_trust, evidence=evidence, timeout=bench.timeouts.http
    ) as client:
        yield client


@pytest.fixture
def fido_client(fido_target: FidoTarget, bench: Bench, evidence: Evidence) -> Iterator[FidoClient]:
    """An HTTP client for the Device Service under test."""
    with FidoClient(fido_target.url, evidence, timeout=bench.timeouts.http) as client:
        yield client


@pytest.fixture(scope="session")
def canary(bench: Bench) -> Iterator[Canary]:
    """The listener whose URL hostile tokens name in headers no server may follow, on the
    address this machine reaches the targets from."""
    with Canary(address_towards(bench.mms.url or bench.fido.url or "http://127.0.0.1")) as c:
        yield c


@pytest.fixture
def scripted_mms(mms_target: MmsTarget) -> MmsService:
    """The embedded reference MMS, back in its seeded state, for a device scenario to script."""
    if mms_target.reference is None:
        pytest.skip("device scenarios need the embedded reference MMS to play the server")
    mms_target.reference.reset()
    return mms_target.reference


@pytest.fixture
def fido_keys(
    bench: Bench, evidence: Evidence, request: pytest.FixtureRequest
) -> Iterator[TargetKeys]:
    """Where this FIDO scenario's dispatch targets are: on the bench device of its transport
    (opened for the scenario, as every device scenario does, so a port is never held by two),
    or held by the harness when the bench says so or the device holds none."""
    if not bench.fido.device_in_the_loop:
        yield HarnessHeldKeys()
        return
    timeouts = bench.timeouts
    opened = connect(
        request.getfixturevalue("device_transport"),
        fixture_devices()[FIDO_BENCH_DEVICE],
        evidence,
        timeout=timeouts.device_command,
        boot_timeout=timeouts.device_boot,
    )
    try:
        if not DeviceHeldKeys.holds_targets(opened.device):
            evidence.advisory("the bench device holds no dispatch targets: the harness holds them")
            yield HarnessHeldKeys()
            return
        keys = DeviceHeldKeys(opened.device)
        yield keys
        keys.restore()
    finally:
        opened.close()


@pytest.fixture
def scripted_fido(fido_target: FidoTarget) -> FidoService:
    """The embedded reference Device Service, back in its seeded state, for a scenario that
    grades a device's FIDO client to script."""
    if fido_target.reference is None:
        pytest.skip("FIDO client scenarios need the embedded reference Device Service")
    fido_target.reference.reset()
    return fido_target.reference


@pytest.fixture(scope="session")
def labgrid_place(bench: Bench) -> Iterator[LabgridPlace | None]:
    """The labgrid place of the bench, reserved and acquired once for the session and released
    at its end (a watchdog releases it when the run is killed); None without one."""
    place, coordinator = bench.labgrid_place(), bench.labgrid.coordinator
    if place is None or coordinator is None:  # a place without a coordinator: a BenchError
        yield None
        return
    with acquired(
        coordinator,
        place,
        timeout=bench.timeouts.labgrid,
        power_timeout=bench.timeouts.hook,
        env=bench.labgrid.env,
    ) as held:
        yield held


@pytest.fixture
def device_transport(request: pytest.FixtureRequest) -> str:
    """The transport this run of a device scenario uses (see pytest_generate_tests), with the
    bench's labgrid place held."""
    request.getfixturevalue("labgrid_place")
    return request.param


# --- collection ------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every device scenario, and every FIDO scenario with the device in the loop, once per
    bench transport (by default: pty and USB); a FIDO scenario that consumes server state runs
    on the first transport only; with a vendor MDS, which owns its device, a device scenario
    runs once and opens nothing."""
    bench = bench_of(metafunc.config)
    definition = metafunc.definition
    fido_in_loop = (
        definition.get_closest_marker("fido")
        and not definition.get_closest_marker("hostile")  # attacks use the harness's keys
        and bench.fido.device_in_the_loop
    )
    if definition.get_closest_marker("device") is None and not fido_in_loop:
        return
    transports: list = list(bench.device.transports)
    if bench.mds.sbi_url and definition.get_closest_marker("device"):
        transports = [VENDOR_MDS]  # the vendor MDS owns the device: the suite opens none
    if fido_in_loop and definition.get_closest_marker("consumes_state"):
        # the server state it consumes is there once: one transport proves the device's part
        transports = transports[:1]
    if definition.get_closest_marker("usb_only"):
        transports = [t for t in transports if t.startswith("usb")] or [
            pytest.param("none", marks=pytest.mark.skip(reason="no USB device on this bench"))
        ]
    metafunc.fixturenames.append("device_transport")
    metafunc.parametrize("device_transport", transports, indirect=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-bdd's own, which takes every tag
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
        _skip_without_hooks(bench_of(config), item)
        _skip_without_power(bench_of(config), item)
    seed = config.getoption("--shuffle")
    if seed is not None:
        random.Random(seed).shuffle(items)


def _hooks_of(bench: Bench, spec: str) -> LabHooks | None:
    """The lab hooks of an external server; None for an embedded one (it has every hook)."""
    if spec == "mms":
        return None if bench.mms.embedded else bench.mms_hooks()
    return None if bench.fido.embedded else bench.fido_hooks()


def _skip_without_hooks(bench: Bench, item: pytest.Item) -> None:
    """Skip a scenario that needs hooks its server lacks, naming every missing one."""
    spec = next((s for s in SPEC_NAMES if item.get_closest_marker(s)), None)
    if spec is None:
        return
    hooks = _hooks_of(bench, spec)
    have = list(HOOK_NAMES) if hooks is None else hooks.names()
    missing = [h for tag, h in HOOK_TAGS.items() if item.get_closest_marker(tag) and h not in have]
    if missing:
        options = ", ".join(f"--{spec}-{h}-hook" for h in missing)
        item.add_marker(
            pytest.mark.skip(
                reason=f"needs the {' and '.join(missing)} hook of the {SPEC_NAMES[spec]} "
                f"under test: configure {options} (or [{spec}.hooks] in the profile)"
            )
        )


def _skip_without_power(bench: Bench, item: pytest.Item) -> None:
    """Skip a scenario that switches the device's power on a bench known to have no switch:
    no power hook, no labgrid place, a device neither emulated nor on a labgrid place (a place
    without a power port is only known once held: its step skips then)."""
    if item.get_closest_marker("needs_device_power") is None:
        return
    callspec = getattr(item, "callspec", None)
    transport = callspec.params.get("device_transport") if callspec else None
    if transport is None or bench.device.power or bench.labgrid_place():
        return
    if transport not in EMULATED_TRANSPORTS:
        item.add_marker(pytest.mark.skip(reason=NO_POWER_SWITCH))


# --- parallel workers ------------------------------------------------------------------------

# The step modules whose scenarios drive the bench device.
DEVICE_MODULES = ("test_device.py", "test_fido_client.py", "test_fido.py", "test_sbi.py")


class OneWorkerPerDevice(LoadFileScheduling):
    """xdist's `loadfile`, but every step module that drives the bench device goes to the same
    worker: a physical device (a serial port, a USB device) is never driven by two at once."""

    def _split_scope(self, nodeid: str) -> str:
        module = super()._split_scope(nodeid)
        return "the bench device" if module.endswith(DEVICE_MODULES) else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    """Where the distribution asked for is unsafe for the bench, a safe one. A physical device
    (or a vendor MDS, which owns one and listens on one port; or a labgrid place, which one
    worker holds for the run): OneWorkerPerDevice, so it is never driven by two workers at
    once. Scenario by scenario (`load`, what `bioharness run` asks for) against an external
    server the workers share: one step module per worker, so two workers never attack one
    fixture identity at once. A bench that is all the harness's own (each worker starts its own
    servers, each scenario opens its emulated device anew) takes what was asked."""
    dist = config.getvalue("dist")
    if dist == "no":
        return None
    bench = bench_of(config)
    kinds = {check_transport(spec).kind for spec in bench.device.transports}
    held = bench.mds.sbi_url is not None or bench.labgrid_place() is not None
    if kinds & set(PHYSICAL_KINDS) or held:
        return OneWorkerPerDevice(config, log)
    if dist == "load" and not (bench.mms.embedded and bench.fido.embedded):
        return LoadFileScheduling(config, log)
    return None


# --- around each scenario --------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest) -> None:
    """After Allure's own hook has opened the test case: show the requirement ids as tags and a
    `requirement` label; before a scenario that consumes state, run its server's reset hook
    when there is one (without one, the scenario checks its precondition and skips if an
    earlier run consumed it), so the evidence of the reset lands in the scenario's report."""
    for mark in request.node.iter_markers("req"):
        allure.dynamic.tag(f"req:{mark.args[0]}")
        allure.dynamic.label("requirement", mark.args[0])
    if request.node.get_closest_marker("consumes_state") is None:
        return
    for spec in SPEC_NAMES:
        if request.node.get_closest_marker(spec):
            target: MmsTarget | FidoTarget = request.getfixturevalue(f"{spec}_target")
            if target.hooks.has("reset"):
                target.hooks.run("reset")
                evidence: Evidence = request.getfixturevalue("evidence")
                evidence.add(f"{spec} reset hook ran", repr(target.hooks.reset))


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = config.getoption("--shuffle")
    return None if seed is None else f"bioharness: scenarios shuffled with seed {seed}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    seed = config.getoption("--shuffle")
    if seed is not None and exitstatus != 0:
        terminalreporter.write_line(f"bioharness: the order was shuffled with --shuffle {seed}")
