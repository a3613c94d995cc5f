"""JWS building, verification, evidence decoding and the named mutations."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from harness.jose.decode import decode
from harness.jose.jws import (
    X5C_LINE_BREAKS,
    InvalidJws,
    Signer,
    sign,
    verify,
    verify_two_part,
)
from harness.jose.mutations import TOKEN_MUTATIONS, mutate
from harness.pki.material import fixture_pki
from harness.pki.trust import TrustStore

NOW = dt.datetime.now(dt.UTC)
PAYLOAD = {"serialNumber": "BH-FP-0001", "n": 1}


@pytest.fixture(scope="module")
def signer() -> Signer:
    pki = fixture_pki()
    return Signer(pki.key("mds-signing"), (pki.cert("mds-signing"),))


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([fixture_pki().cert("vendor-root-ca")])


def test_signed_token_verifies_and_carries_x5c(signer: Signer, trust: TrustStore) -> None:
    token = sign(PAYLOAD, signer)
    verified = verify(token, trust, NOW)
    assert verified.payload == PAYLOAD
    assert verified.header["alg"] == "RS256" and verified.header["typ"] == "jwt"
    der = base64.b64decode(verified.header["x5c"][0])
    assert der == base64.b64decode(signer.header()["x5c"][0])
    assert verified.signer == signer.chain[0]


def test_extra_header_fields_are_signed(signer: Signer, trust: TrustStore) -> None:
    token = sign(PAYLOAD, signer, kid="certAlias")
    assert verify(token, trust, NOW).header["kid"] == "certAlias"


def test_another_trust_anchor_rejects_the_chain(signer: Signer) -> None:
    other = TrustStore([fixture_pki().cert("server-root-ca")])
    with pytest.raises(InvalidJws) as err:
        verify(sign(PAYLOAD, signer), other, NOW)
    assert err.value.reason == "untrusted_chain"


EXPECTED_REASON = {
    "tampered payload": "bad_signature",
    "stripped signature": "bad_signature",
    "alg none": "bad_signature",
    "foreign key": "bad_signature",
    "untrusted chain": "untrusted_chain",
    "two-part form": "malformed",
    "two-part form by a foreign key": "malformed",
    "bad base64url": "malformed",
}


def test_every_mutation_has_an_expected_reason() -> None:
    assert set(EXPECTED_REASON) == set(TOKEN_MUTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED_REASON))
def test_each_mutation_is_refused_for_its_reason(
    name: str, signer: Signer, trust: TrustStore
) -> None:
    token = mutate(name, PAYLOAD, signer)
    assert token != sign(PAYLOAD, signer)
    with pytest.raises(InvalidJws) as err:
        verify(token, trust, NOW)
    assert err.value.reason == EXPECTED_REASON[name]


def test_tampered_payload_is_visible_in_evidence(signer: Signer) -> None:
    view = decode(mutate("tampered payload", PAYLOAD, signer))
    assert view["payload"] == {**PAYLOAD, "tampered": True}
    # with a request id, only its value changes: refused for the signature, not an unknown field
    with_id = {**PAYLOAD, "requestId": "abc"}
    changed = decode(mutate("tampered payload", with_id, signer))["payload"]
    assert changed.keys() == with_id.keys() and changed["requestId"] != "abc"
    assert view["header"]["alg"] == "RS256"


def test_unknown_mutation_lists_the_known_ones(signer: Signer) -> None:
    with pytest.raises(KeyError, match="tampered payload"):
        mutate("nonsense", PAYLOAD, signer)


@pytest.mark.parametrize("junk", ["", "a.b", "...", "x.y.z", 42, None, "é.é.é"])
def test_decode_never_raises(junk: object) -> None:
    view = decode(junk)
    assert isinstance(view, dict)


def test_decode_of_two_part_form_shows_the_payload(signer: Signer) -> None:
    view = decode(mutate("two-part form", PAYLOAD, signer))
    assert view["parts"] == 2 and view["payload"] == PAYLOAD


def _mime(text: str, eol: str = "\r\n") -> str:
    return eol.join(text[i : i + 76] for i in range(0, len(text), 76))


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_x5c_with_line_breaks_verifies_with_an_advisory(
    signer: Signer, trust: TrustStore, eol: str
) -> None:
    x5c = [_mime(signer.header()["x5c"][0], eol)]
    verified = verify(sign(PAYLOAD, signer, x5c=x5c), trust, NOW)
    assert verified.payload == PAYLOAD and verified.advisories == (X5C_LINE_BREAKS,)
    assert verify(sign(PAYLOAD, signer), trust, NOW).advisories == ()


@pytest.mark.parametrize(
    "entry",
    [
        lambda b64: b64[:40] + " " + b64[40:],
        lambda b64: b64[:40] + "\t" + b64[40:],
        lambda b64: f"-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----",
        lambda b64: b64.replace("+", "-").replace("/", "_"),
    ],
    ids=["space", "tab", "PEM armour", "base64url"],
)
def test_x5c_that_is_not_base64_der_stays_malformed(
    signer: Signer, trust: TrustStore, entry
) -> None:
    x5c = [entry(signer.header()["x5c"][0])]
    with pytest.raises(InvalidJws) as err:
        verify(sign(PAYLOAD, signer, x5c=x5c), trust, NOW)
    assert err.value.reason == "malformed"


def test_two_part_form_is_rs256_over_the_payload_segment(signer: Signer) -> None:
    token = mutate("two-part form", PAYLOAD, signer)
    assert verify_two_part(token, signer.chain[0]) == PAYLOAD


@pytest.mark.parametrize("name", ["two-part form by a foreign key", "tampered payload"])
def test_two_part_verification_refuses_other_tokens(signer: Signer, name: str) -> None:
    with pytest.raises(InvalidJws):
        verify_two_part(mutate(name, PAYLOAD, signer), signer.chain[0])
