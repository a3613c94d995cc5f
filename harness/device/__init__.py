"""Devices the harness drives: the Device interface, the drivers (the framed protocol over a
serial or USB link), connect.py (the bench device from --device), fixture identities and the
device verdicts. The emulated device, the device side of the protocol, is in `emulator/`."""
