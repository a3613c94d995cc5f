"""The PSA Management Server API as an MDS speaks it: message definitions, builders, client."""
