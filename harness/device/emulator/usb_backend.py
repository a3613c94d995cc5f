"""Emulator side: an emulated USB bus for pyusb, whose gadgets carry the emulated firmware's
frames on their bulk endpoints.

It implements pyusb's backend interface, so the real `usb.core` (find by VID/PID, descriptors,
string descriptors, bulk transfers) and the USB driver run against it with no libusb and no
hardware. Like libusb, it fails with usb.core.USBError; the driver turns that into DeviceError.
"""

from __future__ import annotations

import array
import errno
import threading
from types import SimpleNamespace
from typing import Any

import usb.backend
import usb.core

from harness.device.emulator.firmware import Firmware, FirmwareSession

EP_OUT, EP_IN = 0x01, 0x81
GET_DESCRIPTOR, STRING = 6, 3
LANGID_EN_US = 0x0409
ADDRESS = 1  # every gadget's bus address and port number
MANUFACTURER, PRODUCT = "Bioharness", "Emulated biometric device"


class EmulatedGadget:
    """One device on the emulated bus: descriptors, strings, and firmware behind bulk endpoints.

    `unplug()` makes it vanish from the bus and fail every transfer; `plug_in()` brings it back.
    """

    def __init__(self, firmware: Firmware, vid: int, pid: int, serial_number: str) -> None:
        self.plugged = True
        self.strings = {1: MANUFACTURER, 2: PRODUCT, 3: serial_number}
        self.device_descriptor = SimpleNamespace(
            bLength=18,
            bDescriptorType=1,
            bcdUSB=0x0200,
            bDeviceClass=0xFF,
            bDeviceSubClass=0,
            bDeviceProtocol=0,
            bMaxPacketSize0=64,
            idVendor=vid,
            idProduct=pid,
            bcdDevice=0x0100,
            iManufacturer=1,
            iProduct=2,
            iSerialNumber=3,
            bNumConfigurations=1,
            address=ADDRESS,
            bus=1,
            port_number=ADDRESS,
            port_numbers=(ADDRESS,),
            speed=3,
        )
        self.config_descriptor = SimpleNamespace(
            bLength=9,
            bDescriptorType=2,
            wTotalLength=32,
            bNumInterfaces=1,
            bConfigurationValue=1,
            iConfiguration=0,
            bmAttributes=0x80,
            bMaxPower=50,
            extra_descriptors=[],
        )
        self.interface_descriptor = SimpleNamespace(
            bLength=9,
            bDescriptorType=4,
            bInterfaceNumber=0,
            bAlternateSetting=0,
            bNumEndpoints=2,
            bInterfaceClass=0xFF,
            bInterfaceSubClass=0,
            bInterfaceProtocol=0,
            iInterface=0,
            extra_descriptors=[],
        )
        self.endpoints = [_bulk_endpoint(EP_OUT), _bulk_endpoint(EP_IN)]
        self._session = FirmwareSession(firmware)
        self._outgoing = bytearray()
        self._ready = threading.Condition()

    def unplug(self) -> None:
        """Vanish from the bus: every transfer fails, a pending read returns at once."""
        with self._ready:
            self.plugged = False
            self._outgoing.clear()
            self._ready.notify_all()

    def plug_in(self) -> None:
        """Appear on the bus again."""
        self.plugged = True

    def receive(self, data: bytes) -> None:
        """Bytes written to the OUT endpoint; the firmware's answers wait on the IN endpoint."""
        answer = self._session.feed(data)
        if answer:
            with self._ready:
                self._outgoing.extend(answer)
                self._ready.notify_all()

    def send(self, size: int, timeout: float) -> bytes:
        """Up to `size` bytes from the IN endpoint, waiting up to `timeout` seconds."""
        with self._ready:
            self._ready.wait_for(lambda: self._outgoing or not self.plugged, timeout)
            data = bytes(self._outgoing[:size])
            del self._outgoing[:size]
        return data

    def __repr__(self) -> str:
        d = self.device_descriptor
        return f"EmulatedGadget({d.idVendor:04x}:{d.idProduct:04x} {self.strings[3]})"


def _bulk_endpoint(address: int) -> SimpleNamespace:
    return SimpleNamespace(
        bLength=7,
        bDescriptorType=5,
        bEndpointAddress=address,
        bmAttributes=2,
        wMaxPacketSize=512,
        bInterval=0,
        bRefresh=0,
        bSynchAddress=0,
        extra_descriptors=[],
    )


class EmulatedUsbBackend(usb.backend.IBackend):
    """pyusb backend over a list of emulated gadgets."""

    def __init__(self, gadgets: list[EmulatedGadget]) -> None:
        self.gadgets = list(gadgets)

    @staticmethod
    def _alive(dev: EmulatedGadget) -> EmulatedGadget:
        if not dev.plugged:
            raise usb.core.USBError("No such device", errno=errno.ENODEV)
        return dev

    def enumerate_devices(self) -> Any:
        return iter([g for g in self.gadgets if g.plugged])

    def get_parent(self, dev: EmulatedGadget) -> None:
        return None

    def get_device_descriptor(self, dev: EmulatedGadget) -> Any:
        return dev.device_descriptor

    def get_configuration_descriptor(self, dev: EmulatedGadget, config: int) -> Any:
        return dev.config_descriptor

    def get_interface_descriptor(self, dev: EmulatedGadget, intf: int, alt: int, config: int):
        return dev.interface_descriptor

    def get_endpoint_descriptor(
        self, dev: EmulatedGadget, ep: int, intf: int, alt: int, config: int
    ):
        return dev.endpoints[ep]

    def open_device(self, dev: EmulatedGadget) -> EmulatedGadget:
        return self._alive(dev)

    def close_device(self, dev_handle: EmulatedGadget) -> None:
        return None

    def set_configuration(self, dev_handle: EmulatedGadget, config_value: int) -> None:
        self._alive(dev_handle)

    def get_configuration(self, dev_handle: EmulatedGadget) -> int:
        return self._alive(dev_handle).config_descriptor.bConfigurationValue

    def set_interface_altsetting(self, dev_handle: EmulatedGadget, intf: int, alt: int) -> None:
        self._alive(dev_handle)

    def claim_interface(self, dev_handle: EmulatedGadget, intf: int) -> None:
        self._alive(dev_handle)

    def release_interface(self, dev_handle: EmulatedGadget, intf: int) -> None:
        return None

    def bulk_write(
        self, dev_handle: EmulatedGadget, ep: int, intf: int, data: Any, timeout: int
    ) -> int:
        self._alive(dev_handle).receive(bytes(data))
        return len(data)

    def bulk_read(
        self, dev_handle: EmulatedGadget, ep: int, intf: int, buff: Any, timeout: int
    ) -> int:
        data = self._alive(dev_handle).send(len(buff), timeout / 1000)
        self._alive(dev_handle)  # unplugged while the read waited
        if not data:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        buff[: len(data)] = array.array("B", data)
        return len(data)

    def ctrl_transfer(
        self,
        dev_handle: EmulatedGadget,
        bmRequestType: int,
        bRequest: int,
        wValue: int,
        wIndex: int,
        data: Any,
        timeout: int,
    ) -> int:
        """GET_DESCRIPTOR for string descriptors; every other request is stalled."""
        self._alive(dev_handle)
        kind, index = wValue >> 8, wValue & 0xFF
        if bRequest != GET_DESCRIPTOR or kind != STRING:
            raise usb.core.USBError("Pipe error (request not supported)", errno=errno.EPIPE)
        if index == 0:
            payload = LANGID_EN_US.to_bytes(2, "little")
        elif index in dev_handle.strings:
            payload = dev_handle.strings[index].encode("utf-16-le")
        else:
            raise usb.core.USBError("Pipe error (no such string)", errno=errno.EPIPE)
        descriptor = bytes([len(payload) + 2, STRING]) + payload
        count = min(len(data), len(descriptor))
        data[:count] = array.array("B", descriptor[:count])
        return count

    def clear_halt(self, dev_handle: EmulatedGadget, ep: int) -> None:
        self._alive(dev_handle)

    def reset_device(self, dev_handle: EmulatedGadget) -> None:
        self._alive(dev_handle)

    def is_kernel_driver_active(self, dev_handle: EmulatedGadget, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: EmulatedGadget, intf: int) -> None:
        return None

    def attach_kernel_driver(self, dev_handle: EmulatedGadget, intf: int) -> None:
        return None
