"""The emulated device, the device side of the protocol: an in-memory Device (with the fixture
FIDO dispatch targets and a FIDO client), the firmware that answers frames with it, and the hosts
that serve that firmware on a pty and on an emulated USB bus. Nothing here drives a device; the
drivers are in harness/device/.
"""
