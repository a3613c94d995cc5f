"""The reference PSA Management Server: policy, SQLite device registry, service logic, ASGI app."""
