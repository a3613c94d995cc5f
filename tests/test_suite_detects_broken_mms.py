"""The MMS features must fail against each deliberately broken MMS, on the scenarios it breaks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.suite_runner import SuiteRun, run_suite

TRUST = "An envelope signed by an MDS certificate that is <problem> is refused"
MUTATION = 'A request JWS with the mutation "<mutation>" is refused'
SIGNED = "<api> answers in a signed envelope under its own name"
ROTATION = "The rotated certificate certifies the CSR's key until keyExpiryTimeStamp"

# variant -> (scenarios that must fail, scenarios that must still pass), as (title, example).
VARIANTS: dict[str, tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]] = {
    "trusts_any_chain": (
        [(TRUST, "self-signed"), (TRUST, "untrusted CA"), (TRUST, "lying about its issuer"),
         (MUTATION, "untrusted chain")],
        [(TRUST, "expired"), (SIGNED, None)],
    ),
    "wrong_code_for_unlisted": (
        [("<api> from <case> gets -102", "face-unlisted")],
        [("<api> with a device code that is not the device's gets -101", None)],
    ),
    "unsigned_answers": (
        [(SIGNED, None), ("The snapshot answer echoes the request", None), (MUTATION, None)],
        [],
    ),
    "wrongly_signed_answers": (
        [(SIGNED, None), ("The server time is in sync with the harness clock", None)],
        [],
    ),
    "stale_snapshot_validity": (
        [("The snapshot stays valid into the future", None)],
        [("The server time is in sync with the harness clock", None)],
    ),
    "clock_off_by_an_hour": (
        [("The server time is in sync with the harness clock", None)],
        [("The snapshot's thumbprint is the one of the current encryption certificate", None)],
    ),
    "rotates_to_its_own_key": (
        [(ROTATION, None)],
        [("A rotation answer has every field of section 3.2", None)],
    ),
    "expiry_differs_from_certificate": (
        [(ROTATION, None)],
        [("A rotation answer has every field of section 3.2", None)],
    ),
    "sha1_thumbprint": (
        [("The snapshot's thumbprint is the one of the current encryption certificate", None)],
        [("The snapshot answer's <field> is <kind>", "encryptionCertThumbprint")],
    ),
    "forgets_registrations": (
        [("Registration assigns a device code that the next snapshot shows", None)],
        [("A registration request with <problem> gets -103", None)],
    ),
    "gives_registration_devices_the_certificate": (
        [("A Registration device is told it needs no encryption certificate", None)],
        [("An Auth device gets the encryption certificate with every field of section 2.2",
          None)],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The suite against the reference MMS and every variant, two child runs at a time."""

    def one(name: str) -> SuiteRun:
        tmp: Path = tmp_path_factory.mktemp(name)
        service = [] if name == "reference" else [f"--mms-service=tests.broken_mms:{name}"]
        return run_suite(tmp, *service)

    names = ["reference", *VARIANTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))


def test_reference_mms_passes_every_scenario(runs: dict[str, SuiteRun]) -> None:
    run = runs["reference"]
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed and not run.skipped


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_suite_fails_on_broken_mms(runs: dict[str, SuiteRun], variant: str) -> None:
    run = runs[variant]
    must_fail, must_pass = VARIANTS[variant]
    assert run.returncode == 1, f"suite exit {run.returncode}, expected 1:\n{run.output[-3000:]}"
    for scenario, example in must_fail:
        assert run.outcome(scenario, example) == {"failed"}, (
            f"{variant}: {scenario!r} [{example}] should fail, got {run.outcome(scenario, example)}"
        )
    for scenario, example in must_pass:
        assert run.outcome(scenario, example) == {"passed"}, (
            f"{variant}: {scenario!r} [{example}] should pass, got {run.outcome(scenario, example)}"
        )
