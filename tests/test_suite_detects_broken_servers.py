"""The suite must fail against each deliberately broken server, on the scenarios it breaks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.suite_runner import SuiteRun, run_suite

TRUST = "An envelope signed by an MDS certificate that is <problem> is refused"
MUTATION = 'A request JWS with the mutation "<mutation>" is refused'
SIGNED = "<api> answers in a signed envelope under its own name"
ROTATION = "The rotated certificate certifies the CSR's key until keyExpiryTimeStamp"

Scenarios = list[tuple[str, str | None]]  # (scenario title, Examples-row fragment or None)

# variant -> (scenarios that must fail, scenarios that must still pass).
MMS_VARIANTS: dict[str, tuple[Scenarios, Scenarios]] = {
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


GET_200 = "A device reads its credentials, encrypted for the signing dispatch target"
INSIDE = "<request> from a device clock just inside the tolerance <direction> succeeds"
OUTSIDE = (
    "<request> from a device clock just outside the tolerance <direction> is refused as expired"
)
FIDO_VARIANTS: dict[str, tuple[Scenarios, Scenarios]] = {
    "no_skew_check": ([(OUTSIDE, "ahead"), (OUTSIDE, "behind")], [(INSIDE, None)]),
    "skew_check_ahead_only": ([(OUTSIDE, "behind")], [(OUTSIDE, "ahead"), (INSIDE, None)]),
    "ignores_accept": (
        [('An Accept header of "<accept>" is not acceptable', None),
         ("A request without an Accept header is not acceptable", None)],
        [(GET_200, None)],
    ),
    "plain_json_answers": (
        [(GET_200, None), ("Only live, unredeemed operations are listed", None)],
        [("A dispatch target of another device is forbidden", None)],
    ),
    "forbidden_answered_401": (
        [("A dispatch target of another device is forbidden", None),
         ("A modification signed by another device's dispatch target is forbidden", None)],
        [(GET_200, None)],
    ),
    "wrong_www_authenticate": ([(OUTSIDE, None)], [(INSIDE, None)]),
    "lists_timed_out_operations": (
        [("Only live, unredeemed operations are listed", None),
         ("An operation disappears once it times out", None)],
        [(GET_200, None)],
    ),
    "allows_duplicate_names": (
        [("A name another dispatch target of the same user has is unprocessable", None)],
        [("Renaming and retargeting the dispatch targets shows in the next GET", None)],
    ),
    "crashes_on_bad_jws": (
        [("A Device-Signature <problem> is a bad request", "two parts")],
        [(GET_200, None)],
    ),
}  # fmt: skip

# Where each specification's scenarios are bound, and the option that swaps its embedded server.
SPECS = {
    "mms": ("steps/test_mms.py", "--mms-service=tests.broken_mms:", MMS_VARIANTS),
    "fido": ("steps/test_fido.py", "--fido-service=tests.broken_fido:", FIDO_VARIANTS),
}
CASES = [(spec, variant) for spec, (_, _, variants) in SPECS.items() for variant in variants]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], SuiteRun]:
    """Each specification's scenarios against its reference server and every variant,
    two child runs at a time."""

    def one(case: tuple[str, str]) -> SuiteRun:
        spec, variant = case
        module, option, _ = SPECS[spec]
        tmp: Path = tmp_path_factory.mktemp(f"{spec}-{variant}")
        return run_suite(tmp, module, *([] if variant == "reference" else [option + variant]))

    cases = [(spec, "reference") for spec in SPECS] + CASES
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(one, cases), strict=True))


@pytest.mark.parametrize("spec", list(SPECS))
def test_reference_server_passes_every_scenario(runs: dict, spec: str) -> None:
    run = runs[(spec, "reference")]
    assert run.returncode == 0, run.output[-3000:]
    assert run.passed and not run.failed and not run.skipped


@pytest.mark.parametrize(("spec", "variant"), CASES)
def test_suite_fails_on_broken_server(runs: dict, spec: str, variant: str) -> None:
    run = runs[(spec, variant)]
    must_fail, must_pass = SPECS[spec][2][variant]
    assert run.returncode == 1, f"suite exit {run.returncode}, expected 1:\n{run.output[-3000:]}"
    for scenario, example in must_fail:
        got = run.outcome(scenario, example)
        assert got == {"failed"}, f"{variant}: {scenario!r} [{example}] should fail, got {got}"
    for scenario, example in must_pass:
        got = run.outcome(scenario, example)
        assert got == {"passed"}, f"{variant}: {scenario!r} [{example}] should pass, got {got}"
