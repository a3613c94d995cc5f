"""Embedded reference servers (MMS; nevisFIDO to come) and the loopback runner that serves them."""
