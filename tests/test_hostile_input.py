"""The parts that keep the reference servers standing against hostile input, and the hostile
features' coverage of the attack catalogue."""

from __future__ import annotations

import datetime as dt
import socket
import time

import httpx
import pytest
from pytest_bdd.parser import FeatureParser

from harness import strict_json
from harness.cli.serve import console_line
from harness.fido import hostile as fido_hostile
from harness.hostile.canary import Canary, address_towards
from harness.jose.attacks import TOKEN_ATTACKS
from harness.mms import hostile as mms_hostile
from harness.report.catalogue import FEATURES
from harness.servers import runner
from harness.servers.mms.embedded import embedded_mms, reference_service
from harness.servers.mms.service import RecordedRequest
from harness.servers.recording import MAX_RECORDED, MAX_TEXT, Recording, clipped


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * 65 + "]" * 65, "nested deeper than 64"),
        ("[" * 5000 + "]" * 5000, "nested deeper than 64"),
        ('{"a": 1, "a": 2}', "'a' appears more than once"),
        ('{"a": NaN}', "NaN is not JSON"),
        ('{"a": -Infinity}', "-Infinity is not JSON"),
        ('{"a": 1e999}', "too large for a double"),
        ('{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"\\udfff": 1}', "lone UTF-16 surrogate"),
        (b'{"a": "\xff"}', "not UTF-8"),
        ("{", "not JSON"),
    ],
)
def test_strict_json_refuses_what_is_not_bounded_json(text: str | bytes, why: str) -> None:
    with pytest.raises(strict_json.JsonRejected, match=why):
        strict_json.loads(text)


def test_strict_json_reads_bounded_json() -> None:
    nested = "[" * 64 + "]" * 64
    assert strict_json.loads(nested) is not None
    assert strict_json.loads('{"a": "\\ud83d\\ude00", "b": 1.5, "c": 10000000000000000000000}') == {
        "a": "\U0001f600",
        "b": 1.5,
        "c": 10**22,
    }


def test_the_recording_keeps_the_last_records_and_numbers_them_on() -> None:
    recording: Recording[str] = Recording()
    for n in range(MAX_RECORDED + 10):
        recording.add(lambda number, n=n: f"{number}:{n}")
    kept = recording.all()
    assert len(kept) == MAX_RECORDED
    assert kept[0] == "11:10" and kept[-1] == f"{MAX_RECORDED + 10}:{MAX_RECORDED + 9}"
    assert [n for n, _ in recording.after(MAX_RECORDED + 8)] == [
        MAX_RECORDED + 9,
        MAX_RECORDED + 10,
    ]
    recording.clear()
    assert recording.all() == []
    assert recording.add(lambda number: number) == MAX_RECORDED + 11
    assert clipped("x" * (MAX_TEXT + 1)).startswith("x" * MAX_TEXT)
    assert len(clipped("x" * (MAX_TEXT * 3))) < MAX_TEXT + 20


def test_the_mms_keeps_a_bounded_record_of_junk() -> None:
    service = reference_service()
    for _ in range(MAX_RECORDED + 5):
        service.answer("msbDeviceSnapshot", "A" * (MAX_TEXT * 2) + ".x.y")
    recorded = service.recorded
    assert len(recorded) == MAX_RECORDED
    assert all(len(r.token) < MAX_TEXT + 20 and r.header is None for r in recorded)
    assert [r.number for r in service.recorded_after(recorded[-2].number)] == [recorded[-1].number]


def test_the_console_line_escapes_what_a_client_chose() -> None:
    record = RecordedRequest(
        1,
        "msbDeviceSnapshot\n12:00:00 forged\x1b[2J",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "x",
        None,
        {"serialNumber": "SN\ud800"},
        None,
        response_code=-1001,
    )
    line = console_line(record)
    assert "\n" not in line and "\x1b" not in line
    assert line.isascii() and line.isprintable()
    assert "\\x0a12:00:00 forged\\x1b[2J" in line and "SN\\ud800" in line


def test_a_connection_that_sends_nothing_or_too_slowly_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "REQUEST_TIMEOUT", 0.5)
    with embedded_mms(reference_service()) as server:
        host, port = server.url.split("/")[2].split(":")
        idle = socket.create_connection((host, int(port)), timeout=5)
        slow = socket.create_connection((host, int(port)), timeout=5)
        slow.sendall(b"POST /mms/MSBDeviceRequest/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
        time.sleep(1.5)
        for conn in (idle, slow):
            assert conn.recv(100) == b""  # closed by the server
            conn.close()
        # a client that sends its request in time is served
        assert httpx.post(server.url, json={"msbDeviceSnapshot": "x.y.z"}).status_code == 200


def test_the_canary_counts_every_request_it_gets() -> None:
    with Canary() as canary:
        assert canary.hits == []
        httpx.get(f"{canary.url}/jku")
        httpx.post(f"{canary.url}/x5u/deep/path")
        assert [h.split(" from")[0] for h in canary.hits] == ["GET /jku", "POST /x5u/deep/path"]
    assert address_towards("http://127.0.0.1:9/") == "127.0.0.1"


def _rows(feature: str) -> set[tuple[str, str, str]]:
    parsed = FeatureParser(FEATURES, feature).parse()
    rows = set()
    for scenario in parsed.scenarios.values():
        for examples in scenario.examples:
            names = examples.example_params
            for row in examples.examples:
                values = dict(zip(names, row, strict=True))
                if "attack" in values:
                    target = values.get("api") or values["endpoint"]
                    rows.add((values["attack"], target, values["outcome"]))
    return rows


def test_the_mms_hostile_feature_runs_every_attack_on_every_api() -> None:
    rows = _rows("mms_hostile/hostile.feature")
    pairs = {(attack, api) for attack, api, _ in rows}
    assert pairs == {(a, api) for a in mms_hostile.ATTACKS for api in mms_hostile.DEVICE_OF_API}
    assert len(rows) == len(pairs) >= 150
    assert {outcome for *_, outcome in rows} == {"refused", "tolerated"}


def test_the_fido_hostile_feature_runs_every_attack_on_every_endpoint() -> None:
    rows = _rows("fido_hostile/hostile.feature")
    pairs = {(attack, endpoint) for attack, endpoint, _ in rows}
    expected = {(a, e) for a in fido_hostile.ATTACKS for e in fido_hostile.ENDPOINTS}
    # a tolerated attack is never sent to delete: served, it would delete a shared device
    tolerated = {a for a, _, outcome in rows if outcome == "tolerated"}
    assert pairs == expected - {(a, "delete") for a in tolerated}
    assert len(rows) == len(pairs) >= 150
    assert set(TOKEN_ATTACKS) <= {a for a, _ in pairs}
