"""bioharness: conformance harness for the PSA MMS API and the nevisFIDO Device Service."""

__version__ = "0.1.0"
