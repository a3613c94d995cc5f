"""The MDS a device scenario watches: the emulated one, or a vendor's reached on its SBI port."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from harness.device.interface import Device
from harness.evidence import Evidence
from harness.mds.sbi import build_app
from harness.mds.sbi_client import SbiClient
from harness.mds.service import EmulatedMds, MdsConfig
from harness.servers.runner import EmbeddedServer

START_TIMEOUT = 30.0  # seconds a vendor MDS gets to answer discovery, unless the bench says


class MdsUnderTest:
    """Start and stop the MDS under test and reach it through its SBI.

    Emulated: `factory(device, config, evidence, device_code)` builds it (EmulatedMds or a
    variant) and its SBI is served on a free loopback port. Vendor: `launch` is a command line
    in which `{mms_url}` becomes the reference MMS URL, `{sbi_port}` the port of `sbi_url`
    (where it listens) and `{device}` the fixture identity its device plays; the vendor MDS
    owns its device (`device` is None).
    """

    def __init__(
        self,
        device: Device | None,
        config: MdsConfig,
        evidence: Evidence,
        device_code: str = "",
        factory: Callable[..., EmulatedMds] = EmulatedMds,
        sbi_url: str | None = None,
        launch: str | None = None,
        start_timeout: float = START_TIMEOUT,
        plays: str = "",
        *,
        bio_type: str,
    ) -> None:
        self.device, self.config, self.evidence = device, config, evidence
        self.device_code, self.factory = device_code, factory
        self.sbi_url, self.launch, self.start_timeout = sbi_url, launch, start_timeout
        self.plays, self.bio_type = plays, bio_type
        self.emulated: EmulatedMds | None = None
        self.sbi: SbiClient | None = None
        self._server: EmbeddedServer | None = None
        self._process: subprocess.Popen[Any] | None = None

    @property
    def vendor(self) -> bool:
        return self.sbi_url is not None

    def start(self) -> SbiClient:
        """Start the MDS; return a client of its SBI once it answers discovery."""
        if self.vendor:
            if not self.launch:
                raise RuntimeError("a vendor MDS is started by the bench's launch command")
            port = urlsplit(self.sbi_url or "").port
            command = self.launch.format(
                mms_url=self.config.mms_url, sbi_port=port or "", device=self.plays
            )
            self._process = subprocess.Popen(shlex.split(command))
            self.sbi = SbiClient(
                self.sbi_url or "", self.evidence, self.config.http_timeout, bio_type=self.bio_type
            )
            self._wait_for_sbi()
        else:
            if self.device is None:
                raise RuntimeError("the emulated MDS needs the bench device")
            self.emulated = self.factory(self.device, self.config, self.evidence, self.device_code)
            self.emulated.start()
            self._server = EmbeddedServer(self.emulated, build_app(self.emulated), "").start()
            self.sbi = SbiClient(
                self._server.url, self.evidence, self.config.http_timeout, bio_type=self.bio_type
            )
        return self.sbi

    def _wait_for_sbi(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self.sbi.discover()  # type: ignore[union-attr]
                return
            except (httpx.HTTPError, ValueError):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the MDS did not answer discovery on {self.sbi_url} "
                        f"within {self.start_timeout}s"
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.sbi is not None:
            self.sbi.close()
        if self._server is not None:
            self._server.stop()  # also stops the emulated MDS
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
