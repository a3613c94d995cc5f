"""Devices the harness plays or drives: fixture identities and their key stores."""
