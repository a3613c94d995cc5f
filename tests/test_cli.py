"""The `bioharness` command line, run as a lab runs it: a child process, real files, real ports."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from harness.device.connect import connect
from harness.device.identity import fixture_devices
from harness.evidence import Evidence
from harness.pki.certs import cert_to_pem, issue_certificate, name, new_rsa_key
from harness.pki.material import DEFAULT_FIXTURES
from harness.report.catalogue import ROOT, scenarios
from tests.cli_runs import CliRun, run_cli, runs_side_by_side
from tests.served import CLI, served

# One child run per bench; all started together (they mostly wait on servers and devices).
RUNS = {
    "conforming": shlex.split("--req MMS-SNAP-TIME --req FIDO-CLOCK-SKEW"),
    "product defect": (
        shlex.split("--req MMS-SNAP-TIME -- --mms-service=tests.broken_mms:clock_off_by_an_hour")
    ),
    "spec erratum": (
        shlex.split(
            "--no-html --req MMS-ENV-TRUST -- --mms-service=tests.broken_mms:trusts_any_chain"
        )
    ),
    "bench fault": (
        shlex.split(
            "--no-html --req MMS-SNAP-TIME -- --mms-url=http://127.0.0.1:9/mms/MSBDeviceRequest/"
        )
    ),
    # two workers, one physical device (the hostile features, which never touch the device,
    # are left to the other runs)
    "serial example": [
        "--no-html",
        "-n",
        "2",
        "--profile",
        str(ROOT / "profiles" / "serial-bench.toml"),
        "--tags",
        "not hostile",
    ],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    return runs_side_by_side(tmp_path_factory, RUNS, at_once=3)


def test_a_conforming_run_passes_and_writes_every_report(runs: dict[str, CliRun]) -> None:
    run = runs["conforming"]
    assert run.code == 0, run.output[-3000:]
    files = {p.name for p in run.folder.iterdir()}
    assert {"allure-results", "junit.xml", "summary.json", "summary.html", "allure-report"} <= files
    assert (run.folder / "allure-report" / "index.html").exists()
    assert run.summary["verdict"] == "pass"
    assert run.requirement("MMS-SNAP-TIME")["verdict"] == "passed"
    assert run.requirement("MMS-ENV-TRUST")["verdict"] == "not run"


def test_the_summary_lists_every_requirement_tag_of_the_features(runs: dict[str, CliRun]) -> None:
    listed = {r["id"] for r in runs["conforming"].summary["requirements"]}
    assert listed == {rid for s in scenarios() for rid in s.requirements}


def test_allure_gets_the_environment_and_the_categories(runs: dict[str, CliRun]) -> None:
    results = runs["conforming"].folder / "allure-results"
    environment = (results / "environment.properties").read_text()
    assert "bench=embedded default" in environment
    assert "fixture.vendor-root-ca.sha256=" in environment
    names = [c["name"] for c in json.loads((results / "categories.json").read_text())]
    assert names == [
        "Expected deviation",
        "Expired deviation",
        "Spec erratum",
        "Product defect",
        "Bench fault",
    ]


def test_a_failed_requirement_fails_the_run_as_a_product_defect(runs: dict[str, CliRun]) -> None:
    run = runs["product defect"]
    assert run.code == 1, run.output[-3000:]
    row = run.requirement("MMS-SNAP-TIME")
    assert row["verdict"] == "failed"
    assert {s["category"] for s in row["scenarios"]} == {"product defect"}
    assert "verdict FAIL" in run.output
    allure_categories = (run.folder / "allure-report" / "widgets" / "categories.json").read_text()
    assert '"name":"Product defect"' in allure_categories  # our categories, not Allure's defaults


def test_a_verdict_resting_on_an_erratum_is_categorised_so(runs: dict[str, CliRun]) -> None:
    run = runs["spec erratum"]
    assert run.code == 1, run.output[-3000:]
    failed = [s for s in run.requirement("MMS-ENV-TRUST")["scenarios"] if s["outcome"] == "failed"]
    assert failed and {s["category"] for s in failed} == {"spec erratum"}
    messages = [
        json.loads(p.read_text()).get("statusDetails", {}).get("message", "")
        for p in (run.folder / "allure-results").glob("*-result.json")
    ]
    assert any("[spec erratum]" in m for m in messages)


def test_an_unreachable_target_is_a_bench_fault(runs: dict[str, CliRun]) -> None:
    run = runs["bench fault"]
    assert run.code == 1, run.output[-3000:]
    row = run.requirement("MMS-SNAP-TIME")
    assert row["verdict"] == "no verdict" and run.summary["verdict"] == "incomplete"
    scenarios_run = row["scenarios"]
    assert {s["category"] for s in scenarios_run} == {"bench fault"}
    assert "ConnectError" in scenarios_run[0]["reason"]


def test_the_serial_example_drives_the_emulated_device_as_hardware(
    runs: dict[str, CliRun],
) -> None:
    run = runs["serial example"]
    assert run.code == 0, run.output[-3000:]
    row = run.requirement("DEV-ROTATION")
    assert row["verdict"] == "passed"
    assert all(s["variant"].startswith("serial:/tmp/bioharness/ttyBH0") for s in row["scenarios"])
    skipped = run.requirement("DEV-UNPLUG")["scenarios"]
    assert [s["reason"] for s in skipped] == ["this bench cannot unplug its device"]
    # the real-device path: an Auth device is registered too, but skips Registration-only checks
    assert run.requirement("DEV-REGISTRATION")["verdict"] == "passed"
    purpose_only = [
        s for s in run.requirement("DEV-ENCRYPTION-CERT")["scenarios"] if s["outcome"] == "skipped"
    ]
    assert [s["reason"] for s in purpose_only] == [
        "needs a Registration device; the bench device's purpose is Auth"
    ]
    assert "emulated finger-auth served on /tmp/bioharness/ttyBH0" in run.output


# --- the other commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["run", "serve", "list", "settings", "pki", "report", "bundle", "verify", "diff"]
)
def test_every_command_has_help(command: str) -> None:
    proc = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: bioharness " + command in proc.stdout


def test_list_shows_every_scenario_with_its_requirements() -> None:
    proc = subprocess.run([*CLI, "list", "--json"], capture_output=True, text=True, timeout=60)
    listed = json.loads(proc.stdout)
    assert len(listed) == len(scenarios())
    assert all(item["requirements"] for item in listed)
    usb = next(i for i in listed if "DEV-USB-SERIAL" in i["requirements"])
    assert "a device on USB" in usb["needs"]
    only = subprocess.run([*CLI, "list", "--req", "DEV-*"], capture_output=True, text=True)
    assert only.stdout.splitlines()[0].startswith("device ")
    assert not any(line.startswith(("mms ", "fido ")) for line in only.stdout.splitlines())


def test_a_bad_profile_stops_the_run_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bench.toml"
    bad.write_text('[mms]\nurl = "mms.lab"\n')
    run = run_cli(tmp_path, "--profile", str(bad))
    assert run.code == 2  # a usage error, not a failed requirement
    assert "[mms] url: 'mms.lab' is not an http(s) URL" in run.output


def test_serve_mms_over_tls_trusted_through_the_fixture_root() -> None:
    with served("mms", "--tls") as server:
        url = server.url
        assert url.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(
            cafile=str(DEFAULT_FIXTURES / "pki" / "server-root-ca.cert.pem")
        )
        answer = httpx.post(url, content=b"not json", verify=trust, timeout=10)
        assert answer.status_code == 400  # no envelope: refused by the reference MMS
        by_name = url.replace("127.0.0.1", "localhost")  # the certificate names it too
        assert httpx.post(by_name, content=b"{}", verify=trust, timeout=10).status_code == 400


def _ca_pem(common_name: str) -> bytes:
    key, subject = new_rsa_key(), name(common_name)
    now = dt.datetime.now(dt.UTC)
    cert = issue_certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer=subject,
        issuer_key=key,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=1),
        ca=True,
    )
    return cert_to_pem(cert)


def test_serve_mms_takes_a_labs_device_trust_and_whitelist(tmp_path: Path) -> None:
    (tmp_path / "bundle.pem").write_bytes(_ca_pem("Lab CA 1") + _ca_pem("Lab CA 2"))
    (tmp_path / "profile-ca.pem").write_bytes(_ca_pem("Lab CA 3"))
    (tmp_path / "bench.toml").write_text('[device]\ntrust = "profile-ca.pem"\n')
    whitelist = {
        "provider": {"deviceProviderId": "LAB-DP"},
        "devices": {
            "cam": {
                "serialNumber": "SN-1",
                "modelID": "CAM-1",
                "bioType": "Face",
                "devicePurpose": "Registration",
                "server": {"whitelisted": True, "whitelistValidDays": 30},
            }
        },
    }
    (tmp_path / "lab.json").write_text(json.dumps(whitelist))
    options = ["--device-trust", str(tmp_path / "bundle.pem"), "--whitelist"]
    options += [str(tmp_path / "lab.json"), "--profile", str(tmp_path / "bench.toml")]
    with served("mms", *options, seconds=30) as server:
        assert server.line.startswith("reference MMS at "), server.line
        assert server.process.stdout is not None
        lines = [server.process.stdout.readline().strip() for _ in range(4)]
    assert lines == [
        "trusts device certificates under O=bioharness fixtures,CN=Lab CA 1",
        "trusts device certificates under O=bioharness fixtures,CN=Lab CA 2",
        "trusts device certificates under O=bioharness fixtures,CN=Lab CA 3",
        "whitelists cam: SN-1 (CAM-1, Registration)",
    ]


def _written(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# A lab file wrong in one way: (serve arguments, what stderr must say), in a temporary folder.
BAD_LAB_FILES: dict[str, Callable[[Path], tuple[list[str], str]]] = {
    "no such trust file": lambda tmp: (
        ["mms", "--device-trust", str(tmp / "absent.pem")],
        "absent.pem: bad device trust:\n  no such file: give --device-trust the CA certificate(s)",
    ),
    "trust that is no PEM": lambda tmp: (
        ["mms", "--device-trust", _written(tmp / "key.pem", "-----BEGIN PRIVATE KEY-----\n")],
        "no PEM certificate in it",
    ),
    "expired trust": lambda tmp: (
        ["mms", "--device-trust", str(DEFAULT_FIXTURES / "pki" / "bad-mds-expired.cert.pem")],
        "is not valid now (valid 2000-01-01 to 2001-01-01): give a certificate valid today",
    ),
    "bad whitelist": lambda tmp: (
        ["mms", "--whitelist", _written(tmp / "lab.toml", '[devices.cam]\nserialNumber = "1"\n')],
        "lab.toml: bad whitelist:\n  [devices.cam] modelID: missing: give the value",
    ),
    "bad profile": lambda tmp: (
        ["mms", "--profile", _written(tmp / "bench.toml", '[device]\ntrust = "absent.pem"\n')],
        "[device] trust: no file 'absent.pem'",
    ),
    "lab files for fido": lambda tmp: (
        ["fido", "--whitelist", str(tmp / "lab.toml")],
        "--device-trust, --whitelist and --profile are for `serve mms`",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LAB_FILES))
def test_serve_refuses_a_bad_lab_file_naming_it_and_the_fix(tmp_path: Path, case: str) -> None:
    args, says = BAD_LAB_FILES[case](tmp_path)
    proc = subprocess.run(
        [*CLI, "serve", *args, "--seconds", "5"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert says in proc.stderr and not proc.stdout


def test_serve_device_puts_the_emulated_device_on_a_serial_port(tmp_path: Path) -> None:
    link = tmp_path / "ttyBH1"
    with served("device", "--link", str(link), "--as", "iris-registration") as server:
        assert str(link) in server.line
        deadline = time.monotonic() + 10
        while not link.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        bench = connect(f"serial:{link}", fixture_devices()["finger-auth"], Evidence())
        try:
            assert bench.real
            assert bench.device.identity.serial_number == "BH-IR-0001"
        finally:
            bench.close()


def test_pki_shows_the_material_with_thumbprints() -> None:
    proc = subprocess.run([*CLI, "pki"], capture_output=True, text=True, timeout=60)
    manifest = json.loads((DEFAULT_FIXTURES / "pki" / "manifest.json").read_text())
    assert manifest["material"]["vendor-root-ca"]["sha256"] in proc.stdout
