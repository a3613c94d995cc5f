"""Fixture PKI: keys and certificates, chain verification, thumbprints."""
