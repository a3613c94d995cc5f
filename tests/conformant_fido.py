"""Conformant variants of the reference FIDO server: each takes another answer the specification
or DESIGN's errata allow. The suite must pass every one (no false failure); they are the twins
of tests/broken_fido.py, and both lists grow together.

Loaded through `--fido-service tests.conformant_fido:<name>`;
tests/test_suite_verdicts_on_variants.py runs the suite against each.
"""

from __future__ import annotations

# name -> extra suite options the variant needs (most need none)
VARIANTS: dict[str, list[str]] = {}
