"""The virtual clock of an all-emulated bench: waits skip ahead, sleepers wake in order at their
times, a busy sleeper holds the jump, a stopped one wakes at once; and which benches get it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.bench import Bench, DeviceBench, MdsBench
from harness.clock import SystemClock
from harness.mds.scenario import scenario_clock
from harness.virtual_clock import VirtualClock
from tests.suite_runner import run_suite


def ticking(clock: VirtualClock, every: float, work: Callable[[], None] = lambda: None):
    """A thread that wakes every `every` seconds of `clock`, does `work` and notes the time."""
    sleeper = clock.sleeper()
    woke: list[dt.datetime] = []

    def loop() -> None:
        try:
            while sleeper.sleep(every):
                woke.append(clock.now())
                work()
        finally:
            sleeper.leave()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return sleeper, thread, woke


def test_a_wait_with_nothing_due_skips_to_its_end() -> None:
    clock = VirtualClock()
    start, real = clock.now(), time.monotonic()
    clock.sleep(3600)
    assert clock.now() - start >= dt.timedelta(hours=1)
    assert time.monotonic() - real < 60  # skipped, not slept
    assert clock.skipped >= dt.timedelta(seconds=3599)


def test_sleepers_wake_in_order_at_their_times() -> None:
    clock = VirtualClock()
    start = clock.now()
    sleeper, thread, woke = ticking(clock, 2.0)
    clock.sleep(7.0)
    sleeper.stop()
    thread.join(5)
    offsets = [(moment - start).total_seconds() for moment in woke]
    assert len(offsets) == 3
    for expected, seen in zip((2.0, 4.0, 6.0), offsets, strict=True):
        assert expected <= seen < expected + 0.5


def test_a_busy_sleeper_holds_the_jump_until_it_sleeps_again() -> None:
    clock = VirtualClock()
    skipped_during_work: list[dt.timedelta] = []

    def work() -> None:
        before = clock.skipped
        time.sleep(0.2)
        skipped_during_work.append(clock.skipped - before)

    sleeper, thread, woke = ticking(clock, 1.0, work)
    clock.sleep(1.5)
    sleeper.stop()
    thread.join(5)
    assert len(woke) == 1
    assert skipped_during_work == [dt.timedelta()]  # no jump while it worked


def test_wait_until_looks_again_after_each_wake_up() -> None:
    clock = VirtualClock()
    start = clock.now()
    sleeper, thread, woke = ticking(clock, 5.0)
    assert clock.wait_until(lambda: len(woke) >= 2, 30)
    reached = (clock.now() - start).total_seconds()
    assert 10.0 <= reached < 11.0  # not the whole 30 s
    assert not clock.wait_until(lambda: len(woke) >= 100, 12)
    sleeper.stop()
    thread.join(5)
    assert not thread.is_alive()


def test_a_stopped_sleeper_wakes_at_once_and_sleeps_no_more() -> None:
    clock = VirtualClock()
    sleeper, thread, woke = ticking(clock, 3600.0)
    time.sleep(0.05)
    sleeper.stop()
    thread.join(5)
    assert not thread.is_alive() and woke == []
    assert sleeper.sleep(1.0) is False


def test_a_hung_sleeper_does_not_hold_the_walk_forever() -> None:
    clock = VirtualClock(settle_timeout=0.2)
    release = threading.Event()
    sleeper, thread, _ = ticking(clock, 1.0, work=lambda: release.wait(10))
    real = time.monotonic()
    clock.sleep(3600.0)  # an hour of the clock, not of real time, though it never sleeps again
    assert time.monotonic() - real < 60
    release.set()
    sleeper.stop()
    thread.join(5)


@pytest.mark.parametrize(
    ("transport", "mds", "time_mode", "virtual"),
    [
        ("pty", MdsBench(), "virtual", True),
        ("usb", MdsBench(), "virtual", True),
        ("memory", MdsBench(), "virtual", True),
        ("pty", MdsBench(), "real", False),
        ("serial:/dev/ttyUSB0", MdsBench(), "virtual", False),
        ("usb:1209:0001", MdsBench(), "virtual", False),
        ("vendor-mds", MdsBench(sbi_url="http://127.0.0.1:4501"), "virtual", False),
        ("pty", MdsBench(sbi_url="http://127.0.0.1:4501"), "virtual", False),
    ],
)
def test_only_an_all_emulated_bench_keeps_virtual_time(
    transport: str, mds: MdsBench, time_mode: str, virtual: bool
) -> None:
    bench = Bench(mds=mds, device=DeviceBench(time=time_mode))
    clock = scenario_clock(bench, transport)
    assert isinstance(clock, VirtualClock if virtual else SystemClock)


def test_the_timed_device_scenarios_pass_in_real_time_over_pty_and_usb(tmp_path: Path) -> None:
    """What a physical device gets (real time) passes on the emulated transports too: the
    scenarios that wait on snapshot validity, its expiry and the refresh timers. (The serial
    example profile runs every device scenario in real time: tests/test_cli.py.)"""
    timed = ("DEV-REFRESH", "DEV-EXPIRY", "DEV-ENCRYPTION-CERT")
    requirements = [f"--req={r}" for r in timed]
    run = run_suite(tmp_path, "steps/test_device.py", "--device-time=real", *requirements)
    assert run.returncode == 0, run.output[-3000:]
    assert not run.failed and not run.skipped
    for transport in ("pty", "usb"):
        refreshed = f"test_the_snapshot_is_refreshed_before_it_expires[{transport}]"
        expired = f"test_capture_is_refused_once_the_snapshot_has_expired[{transport}]"
        assert {refreshed, expired} <= run.passed
