"""The reference nevisFIDO Device Service: SQLite store, service logic, ASGI app."""
