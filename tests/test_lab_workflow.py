"""A certification lab's workflow through the command line, as child processes: an official run,
a run with expected deviations against a defective server, the evidence bundle of the official
run verified and tampered with, the two runs compared, and the same bench run in four CI shards
and merged (against the official run)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from harness.certification.official import SPECIFICATIONS, fixture_thumbprints
from harness.pki import certs
from harness.report.catalogue import ROOT
from tests.cli_runs import CliRun, runs_side_by_side
from tests.served import CLI

EMBEDDED_PROFILE = ROOT / "profiles" / "embedded.toml"
SHARDS = 4
DEVIATIONS = """
[[deviation]]  # applied: the defective server's clock
requirement = "MMS-SNAP-TIME"
expected = "fails"
justification = "server clock on UTC+1 until build 2.2"
accepted_by = "A. Auditor, lab QA"
expires = 2099-12-31

[[deviation]]  # expired: its failures stand
scenario = "<api> answers in a signed envelope under its own name"
expected = "fails"
justification = "signing key rollover pending"
accepted_by = "A. Auditor, lab QA"
expires = 2020-01-01

[[deviation]]  # stale: the Device Service passes
requirement = "FIDO-CLOCK-SKEW"
expected = "fails"
justification = "fixed in 3.1, entry kept by mistake"
accepted_by = "B. Vendor"
expires = 2099-12-31

[[deviation]]  # applied: a skip on a bench without USB
requirement = "DEV-USB-SERIAL"
expected = "skips"
justification = "the bench device is serial only"
accepted_by = "A. Auditor, lab QA"
expires = 2099-12-31

[[deviation]]  # unused: not selected in the run
requirement = "FIDO-PATCH-PARTIAL"
expected = "fails"
justification = "kept for the next firmware"
accepted_by = "A. Auditor, lab QA"
expires = 2099-12-31
"""
DEFECTIVE = shlex.split(
    "--req MMS-SNAP-TIME --req MMS-ENV-SIGNATURE --req FIDO-CLOCK-SKEW --req DEV-USB-SERIAL "
    "--no-html -- --mms-service=tests.broken_mms:wrongly_signed_answers --device=pty"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """The official run of the embedded bench, the deviations run, and the embedded bench's
    run in four shards (as CI machines would run it), two at a time."""
    deviations = tmp_path_factory.mktemp("lab") / "deviations.toml"
    deviations.write_text(DEVIATIONS)
    commands = {
        "official": ["--official", "--profile", str(EMBEDDED_PROFILE), "--no-html"],
        "deviations": ["--deviations", str(deviations), *DEFECTIVE],
        **{
            f"{k}/{SHARDS}": ["--shard", f"{k}/{SHARDS}", "-n", "1", "--no-html"]
            for k in range(1, SHARDS + 1)
        },
    }
    return runs_side_by_side(tmp_path_factory, commands, at_once=2)


# --- the official run ------------------------------------------------------------------------


def test_an_official_run_records_what_it_ran_on_the_summary(runs: dict[str, CliRun]) -> None:
    run = runs["official"]
    assert run.code == 0, run.output[-3000:]
    assert "an OFFICIAL run" in run.output
    document = run.summary
    assert document["official"] is True and document["run_id"] == run.folder.resolve().name
    record = document["provenance"]
    profile_sha = hashlib.sha256(EMBEDDED_PROFILE.read_bytes()).hexdigest()
    assert record["profile"] == {"path": str(EMBEDDED_PROFILE), "sha256": profile_sha}
    assert (run.folder / "profile.toml").read_bytes() == EMBEDDED_PROFILE.read_bytes()
    assert record["specifications"] == {name: sha for name, (_, sha) in SPECIFICATIONS.items()}
    assert record["fixture_pki_sha256"] == fixture_thumbprints()
    assert re.fullmatch(r"[0-9a-f]{40}", record["harness"]["commit"])
    assert re.fullmatch(r"[0-9a-f]{64}", record["harness"]["suite_sha256"])
    assert record["started"] < record["ended"]
    assert record["targets"]["mms.target"] == "embedded reference MMS"
    assert any("firmware" in device for device in record["devices"].values())
    page = (run.folder / "summary.html").read_text()
    head = page[page.index("<body") :][:4000]  # the first lines of the page
    assert "Official run" in head and profile_sha in head
    assert SPECIFICATIONS["PSA Management Server API"][1] in head
    assert "not an official run" not in page


def test_an_official_run_runs_every_scenario(runs: dict[str, CliRun]) -> None:
    listed = subprocess.run([*CLI, "list", "--json"], capture_output=True, text=True, timeout=60)
    per_requirement = runs["official"].summary["requirements"]
    assert all(row["scenarios"] for row in per_requirement), "a requirement was left out"
    scenarios_listed = {s["scenario"] for s in json.loads(listed.stdout)}
    scenarios_run = {s["scenario"] for row in per_requirement for s in row["scenarios"]}
    assert scenarios_run == scenarios_listed


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--req", "MMS-SNAP-TIME"], "--req MMS-SNAP-TIME"),
        (["--tags", "mms"], "--tags 'mms'"),
        (["-k", "time"], "-k 'time'"),
        (["--", "-x"], "suite arguments after --: -x"),
    ],
)
def test_an_official_run_refuses_every_filter(tmp_path: Path, args: list[str], named: str) -> None:
    proc = subprocess.run(
        [*CLI, "run", "--official", "--reports", str(tmp_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and named in proc.stderr, proc.stderr
    assert not any(tmp_path.iterdir()), "no run folder for a refused run"


def test_an_official_run_refuses_a_profile_that_filters(tmp_path: Path) -> None:
    profile = tmp_path / "filtered.toml"
    profile.write_text('[bench]\nname = "filtered"\n\n[run]\ntags = "mms"\n')
    proc = subprocess.run(
        [*CLI, "run", "--official", "--profile", str(profile), "--reports", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "the profile's [run] tags" in proc.stderr, proc.stderr


# --- expected deviations ---------------------------------------------------------------------


def test_each_kind_of_deviation_is_shown_apart(runs: dict[str, CliRun]) -> None:
    run = runs["deviations"]
    assert run.code == 1, run.output[-3000:]  # the expired entry's failures stand
    assert "deviations: 2 applied, 1 expired, 1 stale, 1 unused" in run.output
    document = run.summary
    statuses = {d["key"]: d["status"] for d in document["deviations"]}
    assert statuses == {
        "MMS-SNAP-TIME": "applied",
        "scenario: <api> answers in a signed envelope under its own name": "expired",
        "FIDO-CLOCK-SKEW": "stale",
        "DEV-USB-SERIAL": "applied",
        "FIDO-PATCH-PARTIAL": "unused",
    }
    verdicts = {r["id"]: r["verdict"] for r in document["requirements"] if r["scenarios"]}
    assert verdicts == {
        "MMS-SNAP-TIME": "expected deviation",
        "MMS-ENV-SIGNATURE": "failed",
        "MMS-ENV-FORMAT": "failed",
        "FIDO-CLOCK-SKEW": "passed",
        "DEV-USB-SERIAL": "expected deviation",
    }
    stale = next(r for r in document["requirements"] if r["id"] == "FIDO-CLOCK-SKEW")
    assert any("FIDO-CLOCK-SKEW is stale" in a for a in stale["advisories"])
    assert "not an official run" in (run.folder / "summary.html").read_text()
    assert (run.folder / "deviations.toml").read_text() == DEVIATIONS


def test_allure_files_deviations_under_their_own_categories(runs: dict[str, CliRun]) -> None:
    results = runs["deviations"].folder / "allure-results"
    messages = [
        json.loads(p.read_text()).get("statusDetails", {}).get("message", "")
        for p in results.glob("*-result.json")
    ]
    assert any("[expected deviation MMS-SNAP-TIME]" in m for m in messages)
    assert any("[expired deviation scenario: <api>" in m for m in messages)
    names = [c["name"] for c in json.loads((results / "categories.json").read_text())]
    assert names[:2] == ["Expected deviation", "Expired deviation"]


def test_the_summary_page_lists_every_deviation_with_its_justification(
    runs: dict[str, CliRun],
) -> None:
    page = (runs["deviations"].folder / "summary.html").read_text()
    for justification in (
        "server clock on UTC+1 until build 2.2",
        "the bench device is serial only",
    ):
        assert justification in page
    assert "A. Auditor, lab QA" in page and "2099-12-31" in page
    for status in ("applied", "expired", "stale", "unused"):
        assert f'class="verdict deviation-{status}"' in page


def test_a_bad_deviations_file_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    bad = tmp_path / "deviations.toml"
    bad.write_text('[[deviation]]\nrequirement = "MMS-SNAP-TIEM"\nexpected = "fails"\n')
    proc = subprocess.run(
        [*CLI, "run", "--deviations", str(bad), "--reports", str(tmp_path / "r")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "did you mean 'MMS-SNAP-TIME'" in proc.stderr and "justification" in proc.stderr
    assert not (tmp_path / "r").exists()


# --- the evidence bundle of the official run, and the two runs compared ----------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def lab_pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A lab root CA and the lab's signing certificate and key, as PEM files."""
    folder = tmp_path_factory.mktemp("lab-pki")
    now = dt.datetime.now(dt.UTC)
    root_key, key = certs.new_rsa_key(), certs.new_rsa_key()
    issued = {
        name: certs.issue_certificate(
            subject=certs.name(subject, "test lab"),
            public_key=public.public_key(),
            issuer=certs.name("lab root", "test lab"),
            issuer_key=root_key,
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=30),
            ca=ca,
        )
        for name, subject, public, ca in (
            ("root", "lab root", root_key, True),
            ("cert", "lab signer", key, False),
        )
    }
    files = {name: folder / f"lab-{name}.pem" for name in ("root", "cert", "key")}
    files["root"].write_bytes(certs.cert_to_pem(issued["root"]))
    files["cert"].write_bytes(certs.cert_to_pem(issued["cert"]))
    files["key"].write_bytes(certs.key_to_pem(key))
    return files


@pytest.fixture(scope="module")
def bundle(runs: dict[str, CliRun], lab_pki: dict[str, Path]) -> Path:
    folder = runs["official"].folder.resolve()
    made = _cli("bundle", str(folder), "--key", str(lab_pki["key"]), "--cert", str(lab_pki["cert"]))
    assert made.returncode == 0, made.stdout + made.stderr
    return folder.parent / f"{folder.name}.bundle.zip"


def test_the_official_runs_bundle_verifies_against_the_lab_root(
    bundle: Path, lab_pki: dict[str, Path]
) -> None:
    checked = _cli("verify", str(bundle), "--trust", str(lab_pki["root"]))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "bundle OK" in checked.stdout and "anchored" in checked.stdout
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
    assert {"run/summary.json", "run/summary.html", "run/junit.xml", "run/profile.toml"} <= names


def test_a_summary_edited_after_the_run_fails_verification(
    bundle: Path, lab_pki: dict[str, Path], tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "run/summary.json":
                data = data.replace(b'"verdict": "pass"', b'"verdict": "fail"')
            target.writestr(info, data)
    checked = _cli("verify", str(tampered), "--trust", str(lab_pki["root"]))
    assert checked.returncode == 1 and "run/summary.json" in checked.stdout, checked.stdout


def test_diff_names_what_regressed_from_the_official_run(
    runs: dict[str, CliRun], bundle: Path, tmp_path: Path
) -> None:
    page = tmp_path / "diff.html"
    compared = _cli("diff", str(bundle), str(runs["deviations"].folder), "--html", str(page))
    assert compared.returncode == 1, compared.stdout + compared.stderr
    regressed = [line.split()[1] for line in compared.stdout.splitlines() if "regressed " in line]
    assert {"MMS-ENV-SIGNATURE", "MMS-ENV-FORMAT"} <= set(regressed), compared.stdout
    assert "MMS-SNAP-TIME" not in regressed  # an expected deviation is not a regression
    assert "MMS-ENV-SIGNATURE" in page.read_text()
    back = _cli("diff", str(runs["deviations"].folder), str(bundle))
    assert back.returncode == 0, back.stdout + back.stderr


# --- the official run in four shards on as many machines, merged ------------------------------


def _merge(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "report", "--merge", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def merged(runs: dict[str, CliRun], tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """The four shards of the embedded default merged into one run folder."""
    for k in range(1, SHARDS + 1):
        shard = runs[f"{k}/{SHARDS}"]
        assert (shard.folder / "summary.json").exists(), f"{k}/{SHARDS}: {shard.output[-3000:]}"
    into = tmp_path_factory.mktemp("merged") / "run"
    proc = _merge(*(runs[f"{k}/{SHARDS}"].folder for k in range(1, SHARDS + 1)), "--into", into)
    return CliRun(proc.returncode, proc.stdout + proc.stderr, into)


def _scenario_runs(document: dict) -> dict[str, dict]:
    return {run["nodeid"]: run for row in document["requirements"] for run in row["scenarios"]}


def _testcases(folder: Path) -> list[tuple[str, str]]:
    cases = ET.parse(folder / "junit.xml").getroot().iter("testcase")
    return sorted((case.get("classname", ""), case.get("name", "")) for case in cases)


def test_the_merged_shards_give_the_verdicts_of_one_full_run(
    runs: dict[str, CliRun], merged: CliRun
) -> None:
    full = runs["official"]
    assert merged.code == full.code == 0, merged.output[-3000:] + full.output[-3000:]
    verdicts = {row["id"]: row["verdict"] for row in merged.summary["requirements"]}
    assert verdicts == {row["id"]: row["verdict"] for row in full.summary["requirements"]}
    assert merged.summary["verdict"] == full.summary["verdict"] == "pass"
    assert _scenario_runs(merged.summary).keys() == _scenario_runs(full.summary).keys()
    assert merged.summary["totals"] == full.summary["totals"]


def test_the_merged_folder_holds_every_report_of_the_run(
    runs: dict[str, CliRun], merged: CliRun
) -> None:
    full, folder = runs["official"].folder, merged.folder
    assert (folder / "summary.html").read_text().count("Conformance summary") == 1
    assert _testcases(folder) == _testcases(full)
    suite = ET.parse(folder / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) == len(_testcases(full))

    def results(folder: Path) -> int:
        return len(list((folder / "allure-results").glob("*-result.json")))

    assert results(folder) == results(full) == len(_testcases(full))
    environment = (folder / "allure-results" / "environment.properties").read_text()
    assert environment.count("bench=embedded default\n") == 1
    assert (folder / "allure-report" / "index.html").is_file()


def test_each_shard_names_itself_and_the_merged_run_keeps_their_provenance(
    runs: dict[str, CliRun], merged: CliRun
) -> None:
    for k in range(1, 5):
        shard = runs[f"{k}/4"]
        assert shard.summary["shard"] == f"{k}/4" == shard.summary["provenance"]["shard"]
        split = shard.summary["shard_collection"]
        assert split == runs["1/4"].summary["shard_collection"]
        assert split["runs"] == len(_scenario_runs(runs["official"].summary))
        assert shard.folder.name.endswith(f"-shard-{k}-of-4")
    document = merged.summary
    assert "shard" not in document and document["official"] is False
    assert [s["shard"] for s in document["shards"]] == ["1/4", "2/4", "3/4", "4/4"]
    assert [s["provenance"]["run_id"] for s in document["shards"]] == [
        runs[f"{k}/4"].folder.name for k in range(1, 5)
    ]
    assert document["provenance"]["run_id"] == merged.folder.name
    assert document["provenance"]["harness"] == runs["official"].summary["provenance"]["harness"]


def test_merging_without_a_shard_exits_2_naming_it(runs: dict[str, CliRun], tmp_path: Path) -> None:
    into = tmp_path / "merged"
    proc = _merge(*(runs[f"{k}/4"].folder for k in (1, 2, 4)), "--into", into)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "shard 3/4 is missing" in proc.stderr and "Traceback" not in proc.stderr
    assert not into.exists()


def _relabelled(source: Path, target: Path, **changes: object) -> Path:
    shutil.copytree(source, target)
    document = json.loads((target / "summary.json").read_text())
    (target / "summary.json").write_text(json.dumps({**document, **changes}))
    return target


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("the same shard twice", "shard 2/4 is given twice"),
        ("a full run", "is not a shard"),
        ("another bench", "the shards are of different benches"),
        ("a scenario run in two shards", "is in shard 1/4"),
        ("a shard of another selection", "the shards split different selections"),
    ],
)
def test_merging_refuses_what_is_not_every_shard_of_one_run_once(
    runs: dict[str, CliRun], tmp_path: Path, case: str, message: str
) -> None:
    shards = [runs[f"{k}/4"].folder for k in range(1, 5)]
    if case == "the same shard twice":
        shards.append(shards[1])
    elif case == "a full run":
        shards[3] = runs["official"].folder
    elif case == "another bench":
        shards[2] = _relabelled(shards[2], tmp_path / "other", bench="lab bench 2")
    elif case == "a shard of another selection":
        split = {"runs": 40, "sha256": "0" * 64}
        shards[2] = _relabelled(shards[2], tmp_path / "other", shard_collection=split)
    else:
        shards[1] = _relabelled(shards[0], tmp_path / "copy", shard="2/4")
    proc = _merge(*shards, "--into", tmp_path / "merged")
    assert proc.returncode == 2 and message in proc.stderr, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "merged").exists()
