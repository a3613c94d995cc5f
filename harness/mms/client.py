"""What an MDS does on the wire: send a signed envelope, receive and verify the signed answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.clock import Clock, SystemClock
from harness.evidence import Evidence
from harness.http_client import CLOSED_ON_US, HTTP_TIMEOUT, recording_client
from harness.jose.jws import InvalidJws, Signer, VerifiedJws, sign, verify
from harness.jose.mutations import mutate
from harness.pki.trust import TrustStore
from harness.verdict import Nonconformance


@dataclass
class MmsExchange:
    """One request/answer round trip and what the harness could verify of the answer."""

    api: str
    payload: Any
    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(repr=False)
    answer_body: Any = field(repr=False)
    answer_token: str | None = field(default=None, repr=False)
    verified: VerifiedJws | None = field(default=None, repr=False)
    problem: str | None = None
    mutation: str | None = None

    @property
    def answer(self) -> dict[str, Any]:
        """The verified answer payload; Nonconformance saying why if there is none."""
        if self.verified is None:
            raise Nonconformance(
                f"{self.api}: no verified answer: {self.problem}", requirement="MMS-ENV-SIGNATURE"
            )
        if not isinstance(self.verified.payload, dict):
            raise Nonconformance(
                f"{self.api}: answer payload is not a JSON object",
                requirement="MMS-ENV-FORMAT",
                seen=str(self.verified.payload)[:200],
            )
        return self.verified.payload


class MmsClient:
    """Posts `{"<apiName>": "<JWS>"}` envelopes to an MMS URL and verifies its answers."""

    def __init__(
        self,
        url: str,
        server_trust: TrustStore,
        *,
        clock: Clock | None = None,
        evidence: Evidence | None = None,
        timeout: float = HTTP_TIMEOUT,
    ) -> None:
        self.url = url
        self.server_trust = server_trust
        self.clock = clock or SystemClock()
        self.evidence = evidence or Evidence()
        self._http = recording_client(self.evidence, timeout)

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        api: str,
        payload: Any,
        signer: Signer,
        *,
        mutation: str | None = None,
        body_key: str | None = None,
    ) -> MmsExchange:
        """Sign `payload` (optionally through a named mutation) and post it as `api`; a payload
        that is not a dict is signed as its JSON text."""
        if mutation:
            token = mutate(mutation, payload, signer)
        else:
            body = payload if isinstance(payload, dict) else json.dumps(payload).encode()
            token = sign(body, signer)
        body = {body_key or api: token}
        self.evidence.add_jws(f"{api} request", token)
        response = self._http.post(self.url, json=body)
        exchange = MmsExchange(
            api=api,
            payload=payload,
            body=body,
            status=response.status_code,
            headers=dict(response.headers),
            answer_body=_json_or_text(response),
            mutation=mutation,
        )
        self.verify_answer(exchange, body_key or api)
        return exchange

    def send_raw(
        self, api: str, body: bytes, *, method: str = "POST", path: str = "", payload: Any = None
    ) -> MmsExchange:
        """Send `body` as it is (a hostile request) with `method` to the URL plus `path`; an
        answer that comes as a JSON object is verified (under its one member's name). A server
        that closes the connection on it gives status 0."""
        try:
            response = self._http.request(
                method, self.url + path, content=body, headers={"Content-Type": "application/json"}
            )
        except CLOSED_ON_US as exc:
            closed = f"the server closed the connection: {exc!r}"
            self.evidence.add(f"{api} request", closed)
            return MmsExchange(api, payload, {}, 0, {}, None, problem=closed)
        exchange = MmsExchange(
            api=api,
            payload=payload,
            body={},
            status=response.status_code,
            headers=dict(response.headers),
            answer_body=_json_or_text(response),
        )
        answered = exchange.answer_body
        if isinstance(answered, dict):
            # an answer under the one name it has: a server answers a name it does not know
            # under that name (docs/errata.md)
            self.verify_answer(exchange, next(iter(answered)) if len(answered) == 1 else api)
        return exchange

    def verify_answer(self, exchange: MmsExchange, key: str) -> None:
        """Verify the answer body of `exchange` (sent now or recorded earlier) under `key`."""
        body = exchange.answer_body
        if not isinstance(body, dict) or not isinstance(body.get(key), str):
            exchange.problem = f"answer body is not {{{key!r}: <JWS>}}: {str(body)[:200]}"
            return
        exchange.answer_token = body[key]
        self.evidence.add_jws(f"{exchange.api} answer", exchange.answer_token)
        try:
            exchange.verified = verify(exchange.answer_token, self.server_trust, self.clock.now())
        except InvalidJws as exc:
            exchange.problem = f"answer JWS rejected ({exc.reason}): {exc.detail}"
            self.evidence.add(f"{exchange.api} answer verification", exchange.problem)
            return
        for advisory in exchange.verified.advisories:
            self.evidence.advisory(f"{exchange.api} answer: {advisory}")

    def __enter__(self) -> MmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MmsClient({self.url})"


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:4000]
