"""The operator policy of the reference MMS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class MmsPolicy:
    """What the reference MMS tells devices, and the lifetimes it grants."""

    snapshot_validity: dt.timedelta = dt.timedelta(hours=1)
    key_lifetime: dt.timedelta = dt.timedelta(days=365)
    rotation_window: dt.timedelta = dt.timedelta(days=30)
    current_mds_version: str = "1.0.0"
    download_url: str = "https://mds.bioharness.invalid/download/1.0.0"
    banner: str = "bioharness reference MMS"
    min_key_bits: int = 2048
    # how the snapshot writes encryptionCertThumbprint: "upper-case hex" (as MOSIP) or another
    # form harness.pki.certs.thumbprint_forms names (docs/errata.md accept them all)
    thumbprint_encoding: str = "upper-case hex"
