"""Bench profiles: every example loads; every mistake is named with its key and its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.profile import ProfileError, load
from harness.report.catalogue import ROOT

EXAMPLES = sorted((ROOT / "profiles").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_profile_loads(path: Path) -> None:
    profile = load(path)
    assert profile.name and profile.suite_options()[:2] == ["--bench-name", profile.name]


def test_examples_cover_the_benches_the_lab_has() -> None:
    assert {p.stem for p in EXAMPLES} >= {"embedded", "serial-bench", "usb-bench", "staging"}


def test_options_follow_the_profile_and_paths_are_made_absolute() -> None:
    options = load(ROOT / "profiles" / "staging.toml").suite_options()
    pairs = dict(zip(options[::2], options[1::2], strict=True))
    assert pairs["--mms-url"] == "https://mms.staging.example/mms/MSBDeviceRequest/"
    assert Path(pairs["--mms-server-ca"]).is_absolute()
    assert Path(pairs["--mms-server-ca"]).name == "server-root-ca.cert.pem"
    assert pairs["--fido-unknown-device-status"] == "403"
    assert "bad_signature=-102" in options and "unknown_api=-1001" in options
    assert "--mms-allow-two-part-rotation" not in options  # the example says false
    assert pairs["--mms-reset-hook"] == "POST https://mms-admin.staging.example/fixtures/reset"
    assert pairs["--fido-reset-hook"] == "./reset-fido-fixtures.sh"
    assert "--mms-clock-hook" not in pairs  # commented out in the example


def test_the_serial_example_serves_the_emulated_device_on_its_port() -> None:
    profile = load(ROOT / "profiles" / "serial-bench.toml")
    assert profile.emulated_serial_port() == ("finger-auth", "/tmp/bioharness/ttyBH0")
    assert load(ROOT / "profiles" / "usb-bench.toml").emulated_serial_port() is None


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bench.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def test_every_mistake_is_reported_at_once_with_key_and_fix(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
[mms]
ulr = "https://x"
server_ca = "missing.pem"
time_tolerance_s = -1
allow_two_part_rotation = "yes"

[mms.expect]
bad_signature = 7

[fido]
url = "ftp://fido"
unknown_device_status = 500

[fido.hooks]
reboot = "true"
reset = ""

[device]
transports = ["bluetooth"]
emulate_on_port = "nobody"

[run]
workers = 0

[targets]
x = 1
""",
    )
    expected = [
        "[mms] ulr: unknown key: did you mean 'url'?",
        "[mms] server_ca: no file 'missing.pem'",
        "[mms] time_tolerance_s: -1 is not a positive number of seconds",
        "[mms] allow_two_part_rotation: 'yes' is not true or false",
        "[mms.expect] bad_signature: 7 is not an MMS error code",
        "[fido] url: 'ftp://fido' is not an http(s) URL",
        "[fido] unknown_device_status: 500 is not a 4xx HTTP status",
        "[fido.hooks] reboot: unknown key",
        "[fido.hooks] reset: expected a non-empty string",
        "[device] transports: 'bluetooth': use memory, pty, usb, serial:<port>",
        "[device] emulate_on_port: 'nobody' is not a fixture device",
        "[device] emulate_on_port: the emulated device is served on a serial port",
        "[run] workers: 0 is not a whole number of at least 1",
        "[targets]: unknown table",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected)


def test_an_emulated_device_needs_a_serial_port_to_be_served_on(tmp_path: Path) -> None:
    (problem,) = _problems(
        tmp_path, '[device]\ntransports = ["pty"]\nemulate_on_port = "finger-auth"\n'
    )
    assert problem.startswith("[device] emulate_on_port: the emulated device is served on a serial")


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "[mms\nurl = 1")
    assert problem.startswith("not valid TOML")


def test_a_missing_profile_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such file"):
        load(tmp_path / "nope.toml")
