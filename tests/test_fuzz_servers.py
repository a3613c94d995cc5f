"""Property-based fuzzing of the two reference servers (hypothesis), over real HTTP on loopback.

Whatever a client sends, the reference MMS answers HTTP 200 with a signed envelope whose
`responseCode` is one of the spec's codes, or an HTTP 4xx; the reference Device Service answers
one of the statuses its endpoints have. Neither ever answers a 5xx or logs a traceback, nothing
but a correctly signed request succeeds, and after the fuzzing a valid request still does.

Profiles: "ci" (the default: 100 examples a property, derandomized so a CI run is reproducible)
and "fuzz" (5000 examples a property, a new random seed each run):
`BIOHARNESS_FUZZ_PROFILE=fuzz` or `make fuzz`. No example database is written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto.common import base64url_encode

from harness.device.emulator.device import EmulatedDevice
from harness.device.identity import fixture_devices
from harness.fido import protocol as fido_protocol
from harness.fido.client import FidoClient
from harness.fido.fixtures import fido_devices
from harness.fido.session import FidoSession
from harness.jose.jws import Signer, json_payload, peek, sign
from harness.mms.protocol import APIS, SNAPSHOT, ResponseCode
from harness.mms.requests import MdsInfo, base_payload
from harness.pki.material import fixture_pki
from harness.servers.fido.embedded import embedded_fido
from harness.servers.fido.embedded import reference_service as fido_reference_service
from harness.servers.mms.embedded import embedded_mms
from harness.servers.mms.embedded import reference_service as mms_reference_service
from harness.servers.runner import EmbeddedServer

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
settings.register_profile(
    "fuzz", parent=settings.get_profile("ci"), max_examples=5000, derandomize=False
)
settings.load_profile(os.environ.get("BIOHARNESS_FUZZ_PROFILE", "ci"))

RESPONSE_CODES = {int(code) for code in ResponseCode}
FIDO_STATUSES = {200, 204, 400, 401, 403, 404, 405, 406, 413, 415, 422}
HTTP_TIMEOUT = 30.0

# --- the real material the random parts are mixed with ----------------------------------------

MMS_DEVICE = EmulatedDevice(fixture_devices()["finger-auth"])
MMS_SIGNER = Signer(fixture_pki().key("mds-signing"), (fixture_pki().cert("mds-signing"),))


def mms_request_token() -> str:
    """A correctly signed msbDeviceSnapshot envelope, built as benchmarks/throughput.py does."""
    payload = base_payload(MMS_DEVICE, MdsInfo(), MMS_DEVICE.fixture.device_code)
    return sign(payload, MMS_SIGNER)


MMS_TOKEN = mms_request_token()
MMS_HEADER_SEGMENT, MMS_PAYLOAD_SEGMENT, MMS_SIGNATURE_SEGMENT = MMS_TOKEN.split(".")
MMS_HEADER, MMS_PAYLOAD_RAW, _ = peek(MMS_TOKEN)
MMS_PAYLOAD = json_payload(MMS_PAYLOAD_RAW)

FIDO_DEVICES = fido_devices()
FIDO_DEVICE = FIDO_DEVICES["carol-phone"]  # the device whose real signatures the fuzz mixes in
FIDO_TARGET = FIDO_DEVICE.target()
DEVICE_IDS = [d.device_id for d in FIDO_DEVICES.values()]
TARGET_IDS = [t.id for d in FIDO_DEVICES.values() for t in d.targets]


def now_ms() -> int:
    return fido_protocol.epoch_millis(dt.datetime.now(dt.UTC))


def fido_token(payload: dict[str, Any]) -> str:
    return sign(payload, FIDO_TARGET.signer(), kid=FIDO_TARGET.id)


FIDO_SIGNATURE = fido_token(
    {
        "dispatchTargetId": FIDO_TARGET.id,
        "requestId": "fuzz-real",
        "creationTimeInEpochMillis": now_ms(),
    }
)
FIDO_BODY = fido_token(
    {
        "signingDispatchTargetId": FIDO_TARGET.id,
        "requestId": "fuzz-real-body",
        "creationTimeInEpochMillis": now_ms(),
        "operation": fido_protocol.UPDATE,
        "name": FIDO_TARGET.name,
    }
)
# Correctly signed, fresh for the tolerance (5 minutes): the random-parts tokens of the Device
# Service fuzz are never one of these (`fido_jws`), so none may succeed.
FIDO_REAL_TOKENS = {FIDO_SIGNATURE, FIDO_BODY}


# --- servers, client, tracebacks ----------------------------------------------------------------


class Tracebacks(logging.Handler):
    """Every record at ERROR or above (a service's log.exception, uvicorn's "Exception in ASGI
    application"): a traceback the servers turned into an answer is still a bug."""

    LOGGERS = ("harness", "uvicorn", "uvicorn.error", "uvicorn.asgi")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def attach(self) -> None:
        """(Again: uvicorn's logging configuration drops handlers when a server is made.)"""
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            if self not in logger.handlers:
                logger.addHandler(self)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def take(self) -> list[str]:
        got = [f"{r.name}: {self.format(r)}" for r in self.records]
        self.records.clear()
        return got


TRACEBACKS = Tracebacks()
TRACEBACKS.setFormatter(logging.Formatter("%(levelname)s %(message)s"))


@pytest.fixture(scope="module")
def mms() -> Iterator[EmbeddedServer]:
    with embedded_mms(mms_reference_service()) as server:
        TRACEBACKS.attach()
        yield server
    TRACEBACKS.detach()


@pytest.fixture(scope="module")
def fido() -> Iterator[EmbeddedServer]:
    with embedded_fido(fido_reference_service()) as server:
        TRACEBACKS.attach()
        yield server
    TRACEBACKS.detach()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        yield client


def send(http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; fails on a traceback logged while it was answered."""
    TRACEBACKS.attach()
    TRACEBACKS.take()
    response = http.request(method, url, **kwargs)
    logged = TRACEBACKS.take()
    assert not logged, f"{method} {url} ({response.status_code}) logged: {logged}"
    return response


# --- strategies ---------------------------------------------------------------------------------

surrogates = st.characters(categories=["Cs"])
texts = st.text(max_size=20) | st.text(st.characters() | surrogates, max_size=8)
numbers = st.integers() | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)


def dumps(value: Any) -> str:
    """json.dumps as a careless client writes it: NaN and Infinity as they are, lone surrogates
    as \\udxxx escapes."""
    return json.dumps(value, ensure_ascii=True)


# JSON text that json.dumps never writes: deep nesting, duplicate names, huge numbers.
odd_json = st.one_of(
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(60, 70).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(APIS).map(lambda api: f'{{"{api}": "a.b.c", "{api}": "a.b.c"}}'),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.integers(300, 400).map(lambda n: f"1e{n}"),
    st.sampled_from(["NaN", "-Infinity", '"\\ud800"', '{"\\udfff": 1}', "", " ", "\ufeff{}"]),
)

header_safe_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.characters(), max_size=30
)


def b64(raw: bytes | str) -> str:
    return base64url_encode(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)


def segment_from_json(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return values.map(lambda v: b64(dumps(v)))


raw_segments = st.one_of(
    st.binary(max_size=64).map(b64),
    st.binary(min_size=256, max_size=256).map(b64),  # an RSA-2048 signature's length
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20),  # not base64url
    st.just(""),
)


# One of several strategies, the ones that reach further into a server more often.
def weighted(*pairs: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """(st.one_of counts a strategy given twice once.)"""
    choices = [strategy for weight, strategy in pairs for _ in range(weight)]
    return st.sampled_from(range(len(choices))).flatmap(choices.__getitem__)


HEADER_NAMES = ("alg", "typ", "x5c", "crit", "b64", "jku", "x5u", "jwk", "kid")
header_values = st.one_of(
    json_values,
    st.sampled_from(["RS256", "none", "HS256", "ES256", "RS512", "jwt", "JWT", "JOSE"]),
    st.just(MMS_HEADER["x5c"]),
    st.lists(st.binary(max_size=40).map(lambda b: base64url_encode(b) + "=="), max_size=3),
    st.just(["b64"]),
    st.just(False),
    st.just("https://127.0.0.1:1/keys"),
    st.sampled_from(TARGET_IDS),
)
random_headers = st.dictionaries(
    st.sampled_from(HEADER_NAMES) | texts, header_values, min_size=0, max_size=5
)


def jws_header_segments(real_segment: str, real_header: dict[str, Any]) -> st.SearchStrategy:
    """A protected header: the real one, the real one changed, a random one, or no object."""
    return weighted(
        (3, segment_from_json(random_headers.map(lambda extra: {**real_header, **extra}))),
        (2, st.just(real_segment)),
        (2, segment_from_json(random_headers)),
        (
            1,
            segment_from_json(
                st.sampled_from(sorted(real_header)).map(
                    lambda name: {k: v for k, v in real_header.items() if k != name}
                )
            ),
        ),
        (1, segment_from_json(json_values)),
        (1, raw_segments),
    )


def jws_tokens(
    header: st.SearchStrategy[str],
    payload: st.SearchStrategy[str],
    signature: st.SearchStrategy[str],
) -> st.SearchStrategy[str]:
    """Three parts joined with dots, or now and then another number of segments."""
    three = st.tuples(header, payload, signature).map(".".join)
    other = st.lists(header | payload | signature, max_size=5).map(".".join)
    return weighted((6, three), (1, other))


def signatures(real_segment: str) -> st.SearchStrategy[str]:
    return weighted((1, raw_segments), (3, st.just(real_segment)), (1, st.just("")))


mms_payloads = weighted(
    (1, segment_from_json(json_values)),
    (2, st.just(MMS_PAYLOAD_SEGMENT)),
    (
        3,
        segment_from_json(
            st.dictionaries(
                st.sampled_from(sorted(MMS_PAYLOAD)) | texts, json_values, max_size=4
            ).map(lambda changes: {**MMS_PAYLOAD, **changes})
        ),
    ),
    (
        1,
        segment_from_json(
            st.sampled_from(sorted(MMS_PAYLOAD)).map(
                lambda name: {k: v for k, v in MMS_PAYLOAD.items() if k != name}
            )
        ),
    ),
    (1, raw_segments),
)
mms_tokens = jws_tokens(
    jws_header_segments(MMS_HEADER_SEGMENT, MMS_HEADER),
    mms_payloads,
    signatures(MMS_SIGNATURE_SEGMENT),
)
api_names = st.sampled_from(APIS) | texts


# --- the reference MMS ------------------------------------------------------------------------


def mms_answer(response: httpx.Response, api: str | None = None) -> int | None:
    """The response code of a 200 answer (None for a 4xx); fails on anything else."""
    status = response.status_code
    assert status < 500, f"HTTP {status}: {response.text[:500]}"
    if status != 200:
        assert 400 <= status < 500, f"HTTP {status}: {response.text[:500]}"
        return None
    body = response.json()
    assert isinstance(body, dict) and len(body) == 1, body
    if api is not None:
        assert list(body) == [api]
    (envelope,) = body.values()
    _, raw, _ = peek(envelope)
    answer = json_payload(raw)
    code = int(answer["responseCode"])
    assert code in RESPONSE_CODES, answer
    return code


@given(body=st.binary(max_size=2048))
def test_mms_any_bytes(mms: EmbeddedServer, http: httpx.Client, body: bytes) -> None:
    mms_answer(send(http, "POST", mms.url, content=body))


@given(body=json_values.map(dumps) | odd_json)
def test_mms_any_json(mms: EmbeddedServer, http: httpx.Client, body: str) -> None:
    mms_answer(send(http, "POST", mms.url, content=body.encode("utf-8", "surrogatepass")))


@given(api=api_names, token=mms_tokens)
def test_mms_random_part_envelopes(
    mms: EmbeddedServer, http: httpx.Client, api: str, token: str
) -> None:
    """Only the unmodified real token may get code 0; anything else a refusal."""
    body = dumps({api: token})
    code = mms_answer(send(http, "POST", mms.url, content=body), api)
    if token != MMS_TOKEN:
        assert code != ResponseCode.SUCCESS, f"{api}: {token}"


@given(api=st.sampled_from(APIS), value=json_values.filter(lambda v: not isinstance(v, str)))
def test_mms_api_with_no_token_string(
    mms: EmbeddedServer, http: httpx.Client, api: str, value: Any
) -> None:
    code = mms_answer(send(http, "POST", mms.url, content=dumps({api: value})))
    assert code != ResponseCode.SUCCESS


def test_mms_after_the_fuzz_a_valid_snapshot_still_succeeds(
    mms: EmbeddedServer, http: httpx.Client
) -> None:
    body = json.dumps({SNAPSHOT: mms_request_token()})
    response = send(http, "POST", mms.url, content=body)
    assert response.status_code == 200
    assert mms_answer(response, SNAPSHOT) == ResponseCode.SUCCESS


# --- the reference Device Service -------------------------------------------------------------

FIDO_HEADER, FIDO_SIGNATURE_PAYLOAD, _ = peek(FIDO_SIGNATURE)
_, FIDO_BODY_PAYLOAD, _ = peek(FIDO_BODY)

fido_field_values = {
    "dispatchTargetId": st.sampled_from(TARGET_IDS) | json_values,
    "signingDispatchTargetId": st.sampled_from(TARGET_IDS) | json_values,
    "requestId": st.text(max_size=70) | json_values,
    "creationTimeInEpochMillis": st.one_of(
        st.integers(-600_000, 600_000).map(lambda d: now_ms() + d),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        json_values,
    ),
    "operation": st.sampled_from([fido_protocol.UPDATE, fido_protocol.DELETE]) | json_values,
    "name": st.sampled_from([t.name for d in FIDO_DEVICES.values() for t in d.targets])
    | json_values,
    "target": json_values,
    "keyIds": st.lists(texts, max_size=3) | json_values,
    "dispatchTargetIds": st.lists(st.sampled_from(TARGET_IDS), max_size=3) | json_values,
}
fido_changes = st.fixed_dictionaries({}, optional=fido_field_values)
fido_payload_objects = fido_changes.flatmap(
    lambda fields: st.dictionaries(texts, json_values, max_size=2).map(
        lambda extra: {**extra, **fields}
    )
)


def fido_jws(real: str) -> st.SearchStrategy[str]:
    """A random-parts JWS mixed with the real token `real`, never `real` itself."""
    header_segment, payload_segment, signature_segment = real.split(".")
    real_payload = json_payload(peek(real)[1])
    payloads = weighted(
        (3, segment_from_json(fido_changes.map(lambda changes: {**real_payload, **changes}))),
        (2, st.just(payload_segment)),
        (2, segment_from_json(fido_payload_objects)),
        (1, segment_from_json(json_values)),
        (1, raw_segments),
    )
    tokens = jws_tokens(
        jws_header_segments(header_segment, FIDO_HEADER), payloads, signatures(signature_segment)
    )
    # (a real token drawn whole gets a signature one character too long: no filter, whose
    # retries hypothesis reports with the strategy's repr, tens of kB of certificates)
    return tokens.map(lambda token: token + "A" if token in FIDO_REAL_TOKENS else token)


def header_bytes(text: str) -> bytes:
    """Text as a header value h11 sends: UTF-8, no NUL or line breaks, no blanks around."""
    raw = text.encode("utf-8", "surrogatepass")
    for forbidden in b"\x00\r\n\x0b\x0c":
        raw = raw.replace(bytes([forbidden]), b"")
    return raw.strip(b" \t")


media_types = st.one_of(
    st.just(fido_protocol.JOSE),
    st.sampled_from(
        [
            "application/jose",
            "APPLICATION/JOSE ; CHARSET=utf-8",
            "application/json",
            "*/*",
            "application/jose;charset=UTF-8;q=0",
            "text/plain, application/jose;charset=UTF-8",
            'application/jose;charset="UTF-8"',
        ]
    ),
    header_safe_text,
)
device_ids = st.one_of(
    st.sampled_from(DEVICE_IDS),
    st.just(FIDO_DEVICE.device_id),
    st.just(FIDO_DEVICE.device_id),
    texts.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(min_size=1, max_size=12).map(lambda b: quote(b, safe="")),
    st.sampled_from(["%2e%2e", "%2E", "..%2F..", "%2F", "x%2F", "%00", "%FF", "%", "%zz"]),
    st.text(
        st.characters(exclude_categories=["Cs", "Cc", "Zs"], exclude_characters="/?#%\\."),
        min_size=1,
        max_size=12,
    ),
)
paths = st.sampled_from([fido_protocol.CREDENTIALS_PATH, fido_protocol.OOB_PATH])
methods = st.sampled_from(["GET", "PATCH", "DELETE", "HEAD", "PUT", "POST"])
fido_bodies = st.one_of(
    st.none(),
    st.binary(max_size=512),
    fido_jws(FIDO_BODY).map(str.encode),
    fido_jws(FIDO_SIGNATURE).map(str.encode),
)


@st.composite
def fido_headers(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    headers: list[tuple[str, bytes]] = []
    for name in ("Accept", "Content-Type"):
        if draw(st.booleans()):
            headers.append((name, header_bytes(draw(media_types))))
    for _ in range(draw(st.sampled_from([1, 1, 1, 0, 2]))):
        value = draw(fido_jws(FIDO_SIGNATURE) | fido_jws(FIDO_BODY) | header_safe_text)
        headers.append(("Device-Signature", header_bytes(value)))
    return headers


@given(
    method=methods,
    path=paths,
    device_id=device_ids,
    headers=fido_headers(),
    body=fido_bodies,
)
def test_fido_random_requests(
    fido: EmbeddedServer,
    http: httpx.Client,
    method: str,
    path: str,
    device_id: str,
    headers: list[tuple[str, bytes]],
    body: bytes | None,
) -> None:
    url = fido.url + path.format(device_id=device_id)
    response = send(http, method, url, headers=headers, content=body)
    status = response.status_code
    assert status in FIDO_STATUSES, f"{method} {url}: {status} {response.text[:300]}"
    assert not 200 <= status < 300, f"{method} {url}: a random-parts request got {status}"


# What each endpoint is reached with; the others get 405.
ENDPOINTS = [
    ("GET", fido_protocol.CREDENTIALS_PATH),
    ("GET", fido_protocol.OOB_PATH),
    ("DELETE", fido_protocol.CREDENTIALS_PATH),
    ("PATCH", fido_protocol.CREDENTIALS_PATH),
]
REAL_HEADERS = {"Accept": fido_protocol.JOSE, "Content-Type": fido_protocol.JOSE}


def jws_request(method: str, signature: str, body: str) -> dict[str, Any]:
    """httpx arguments: the JWS in Device-Signature, or as the body of a PATCH."""
    if method == "PATCH":
        return {"headers": REAL_HEADERS, "content": body}
    return {"headers": {**REAL_HEADERS, "Device-Signature": signature}}


@given(
    endpoint=st.sampled_from(ENDPOINTS),
    signature=fido_jws(FIDO_SIGNATURE),
    body=fido_jws(FIDO_BODY),
)
def test_fido_random_signatures_on_a_real_device(
    fido: EmbeddedServer,
    http: httpx.Client,
    endpoint: tuple[str, str],
    signature: str,
    body: str,
) -> None:
    """The real device, the real headers, only the JWS random: always refused."""
    method, path = endpoint
    url = fido.url + path.format(device_id=FIDO_DEVICE.device_id)
    response = send(http, method, url, **jws_request(method, signature, body))
    status = response.status_code
    assert status in FIDO_STATUSES - {404, 405}, f"{method} {url}: {status} {response.text[:300]}"
    assert not 200 <= status < 300, f"{method} {url}: a random-parts request got {status}"


@given(
    endpoint=st.sampled_from(ENDPOINTS),
    device_id=device_ids.filter(lambda d: unquote(d) != FIDO_DEVICE.device_id),
)
def test_fido_a_real_signature_for_another_device(
    fido: EmbeddedServer, http: httpx.Client, endpoint: tuple[str, str], device_id: str
) -> None:
    """A correctly signed, fresh JWS of one device's dispatch target never acts on another
    device: 403 for a device of the service, 401, 403 or 404 for one it does not know
    (docs/errata.md), 404 for a path that names no device."""
    method, path = endpoint
    stamp = {"requestId": f"fuzz-{uuid.uuid4()}", "creationTimeInEpochMillis": now_ms()}
    signature = fido_token({"dispatchTargetId": FIDO_TARGET.id, **stamp})
    body = fido_token(
        {
            "signingDispatchTargetId": FIDO_TARGET.id,
            **stamp,
            "operation": fido_protocol.DELETE,
            "dispatchTargetIds": [FIDO_TARGET.id],
        }
    )
    url = fido.url + path.format(device_id=device_id)
    response = send(http, method, url, **jws_request(method, signature, body))
    status = response.status_code
    expected = {403} if device_id in DEVICE_IDS else {401, 403, 404}
    assert status in expected, f"{method} {url}: {status} {response.text[:300]}"


def test_fido_after_the_fuzz_valid_requests_still_succeed(fido: EmbeddedServer) -> None:
    """Nothing the fuzz sent changed a device, and the fixture device is served as ever."""
    store = fido.service.store
    for device in FIDO_DEVICES.values():
        assert store.has_device(device.device_id), device.name
        for target in device.targets:
            assert store.target(target.id).name == target.name, target.id
    with FidoClient(fido.url, timeout=HTTP_TIMEOUT) as client:
        session = FidoSession(client, FIDO_DEVICE, FIDO_TARGET)
        credentials = session.get_credentials()
        assert credentials.status == 200 and credentials.problem is None
        assert credentials.payload["deviceId"] == FIDO_DEVICE.device_id
        operations = session.get_oob_operations()
        assert operations.status == 200 and operations.problem is None
        assert session.modify(fido_protocol.UPDATE, name=FIDO_TARGET.name).status == 204
