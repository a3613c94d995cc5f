"""The embedded reference servers (MMS and Device Service) and the loopback runner that serves
them."""
