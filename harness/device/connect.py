"""Open the bench device from a transport spec: emulated (in memory, over a pty, over emulated
USB) or real (a serial port, a USB VID:PID, the serial port of a labgrid place). It joins the
two sides: the drivers in harness/device/ and, for the emulated transports, the emulator behind
them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from harness.clock import Clock
from harness.device.emulator.device import EmulatedDevice
from harness.device.emulator.fido_client import EmulatedFidoClient, FidoClientFactory
from harness.device.emulator.firmware import Firmware
from harness.device.emulator.pty_host import PtyHost
from harness.device.emulator.usb_backend import EmulatedGadget, EmulatedUsbBackend
from harness.device.framed import BOOT_TIMEOUT, COMMAND_TIMEOUT, FramedDevice
from harness.device.identity import DeviceIdentity, fixture_devices
from harness.device.interface import Device
from harness.device.labgrid_place import held_place
from harness.device.power import PowerSwitch
from harness.device.serial_link import SerialLink
from harness.device.usb_link import UsbLink
from harness.evidence import Evidence

# pid.codes' test VID:PID, used by the emulated USB gadget.
EMULATED_VID, EMULATED_PID = 0x1209, 0x0001
EMULATED_TRANSPORTS = ("memory", "pty", "usb")
DEFAULT_TRANSPORTS = ("pty", "usb")  # the emulated device over a real pty and over emulated USB
# transports of a device the bench cannot duplicate (a scenario at a time may drive it)
PHYSICAL_KINDS = ("serial", "usb-device", "labgrid")


class TransportSpecError(ValueError):
    """A --device value that names no transport."""


class Cable(Protocol):
    """What connects an emulated device to the harness, and can be pulled and put back."""

    def unplug(self) -> None: ...

    def plug_in(self) -> None: ...


@dataclass
class BenchDevice:
    """A device opened for a scenario, with what is behind it: when it is emulated, the
    EmulatedDevice, its firmware (pty, usb) and the cable the bench can pull; over USB, the link
    (whose serial-number string descriptor the device scenarios check); its power switch, where
    the transport brings one (the emulated firmware, a labgrid place's power port)."""

    device: Device
    transport: str
    emulated: EmulatedDevice | None = None
    firmware: Firmware | None = None
    usb_link: UsbLink | None = None
    cable: Cable | None = None
    power: PowerSwitch | None = None
    _cleanup: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def real(self) -> bool:
        """A real device (serial or USB), whose identity the bench cannot choose."""
        return self.emulated is None

    def close(self) -> None:
        """Close the device and stop what serves it."""
        for step in reversed(self._cleanup):
            step()


@dataclass(frozen=True)
class Transport:
    """A parsed --device value."""

    # memory | pty | usb (the emulated device) | serial | usb-device | labgrid (real ones)
    kind: str
    port: str = ""  # serial: the port or pyserial URL; labgrid: the place
    vid: int = 0
    pid: int = 0
    serial_number: str | None = None


def check_transport(spec: str) -> Transport:
    """Parse a transport spec without opening anything; TransportSpecError says what is wrong."""
    kind, _, rest = spec.partition(":")
    if spec in EMULATED_TRANSPORTS:
        return Transport(spec)
    if kind in ("serial", "labgrid") and rest:
        return Transport(kind, port=rest)
    if kind == "usb" and rest:
        vid, _, tail = rest.partition(":")
        pid, _, serial = tail.partition(":")
        try:
            return Transport(
                kind="usb-device",
                vid=int(vid, 16),
                pid=int(pid, 16),
                serial_number=serial or None,
            )
        except ValueError:
            raise TransportSpecError(
                f"--device {spec!r}: VID and PID are hex numbers, e.g. usb:1209:0001"
            ) from None
    raise TransportSpecError(
        f"--device {spec!r}: use memory, pty, usb, serial:<port>, usb:<vid>:<pid>[:<serial>] "
        "or labgrid:<place>"
    )


def connect(
    spec: str,
    identity: DeviceIdentity,
    evidence: Evidence,
    timeout: float = COMMAND_TIMEOUT,
    boot_timeout: float = BOOT_TIMEOUT,
    fido_client_factory: FidoClientFactory = EmulatedFidoClient,
    sealed: bool = False,
    clock: Clock | None = None,
) -> BenchDevice:
    """Open a device. `spec`: memory | pty | usb (emulated `identity`), serial:<port or URL>,
    usb:<vid>:<pid>[:<serial>] (hex ids), labgrid:<place> (the serial port of a labgrid place
    this process holds: harness/device/labgrid_place.py); a real device reports its own identity.
    An emulated device runs the FIDO client `fido_client_factory` makes, and is `sealed` (never
    gives a JWE plaintext back) when asked; its clock runs from `clock` (default: the system's)."""
    transport = check_transport(spec)
    if transport.kind == "serial":
        device = FramedDevice(SerialLink(transport.port), timeout, evidence, boot_timeout)
        return BenchDevice(device=device, transport=spec, _cleanup=[device.close])
    if transport.kind == "labgrid":
        place = held_place(transport.port)
        device = FramedDevice(SerialLink(place.serial.url), timeout, evidence, boot_timeout)
        return BenchDevice(
            device=device, transport=spec, power=place.power, _cleanup=[device.close]
        )
    if transport.kind == "usb-device":
        link = UsbLink(transport.vid, transport.pid, transport.serial_number)
        device = FramedDevice(link, timeout, evidence, boot_timeout)
        return BenchDevice(device=device, transport=spec, usb_link=link, _cleanup=[device.close])
    emulated = EmulatedDevice(identity, fido_client_factory, sealed, clock)
    if spec == "memory":
        return BenchDevice(device=emulated, transport=spec, emulated=emulated)
    firmware = Firmware(emulated)
    if spec == "pty":
        host = PtyHost(firmware).start()
        device = FramedDevice(SerialLink(host.port), timeout, evidence, boot_timeout)
        return BenchDevice(
            device=device,
            transport=spec,
            emulated=emulated,
            firmware=firmware,
            cable=host,
            power=firmware,
            _cleanup=[host.stop, device.close],
        )
    gadget = EmulatedGadget(firmware, EMULATED_VID, EMULATED_PID, identity.serial_number)
    bus = EmulatedUsbBackend([gadget])
    link = UsbLink(EMULATED_VID, EMULATED_PID, identity.serial_number, bus)
    device = FramedDevice(link, timeout, evidence, boot_timeout)
    return BenchDevice(
        device=device,
        transport=spec,
        emulated=emulated,
        firmware=firmware,
        usb_link=link,
        cable=gadget,
        power=firmware,
        _cleanup=[device.close],
    )


def emulated_on_pty(name: str, port: Path) -> PtyHost:
    """Serve the firmware of the emulated fixture device `name` on a pty linked at `port`: a
    serial bench without hardware. Not started."""
    return PtyHost(Firmware(EmulatedDevice(fixture_devices()[name])), port)
