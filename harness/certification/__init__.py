"""Certification runs: official runs, signed evidence bundles, deviations, run comparison."""
