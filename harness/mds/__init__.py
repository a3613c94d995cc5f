"""The emulated MDS (MOSIP device service): keeps a device in sync with an MMS, serves the SBI."""
