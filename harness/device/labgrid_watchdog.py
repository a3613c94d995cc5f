"""`python -m harness.device.labgrid_watchdog ADDRESS PLACE`: releases a labgrid place that the
run which acquired it left acquired.

The run starts it before it reserves the place (harness/device/labgrid_session.py) and keeps
the other end of its standard input, on which it writes `watch TOKEN made-here|kept` (the
reservation it acquires the place under) and, once it released the place itself, `released`.
An input that ends without `released` means the run ended holding the place (killed, or on
Ctrl-C killed by `bioharness run` before its clean-up): the watchdog then releases the place if
the same labgrid user (HOST/USER) holds it under that reservation, and cancels a reservation
made for the run.
"""

from __future__ import annotations

import sys

from harness.verdict import BenchFault

RELEASE_TIMEOUT = 10.0  # seconds for the coordinator to answer each call


def main(argv: list[str]) -> int:
    """Wait for the run to end; release what it left acquired. Exit 0 unless that failed."""
    if len(argv) != 2:
        print("usage: python -m harness.device.labgrid_watchdog ADDRESS PLACE", file=sys.stderr)
        return 2
    address, place = argv
    lines = sys.stdin.read().splitlines()
    watched = [line.split() for line in lines if line.startswith("watch ")]
    if "released" in lines or not watched:
        return 0
    # labgrid and gRPC take a second to import: only a watchdog with a place to release pays it
    from harness.device.labgrid_session import PlaceReservation, release_left

    _, token, made = watched[-1]
    reservation = PlaceReservation(token, made_here=made == "made-here")
    try:
        if release_left(address, place, reservation, RELEASE_TIMEOUT):
            print(
                f"bioharness: released labgrid place {place}, which a run that ended "
                "abruptly left acquired",
                file=sys.stderr,
            )
    except BenchFault as exc:
        print(f"bioharness: could not release labgrid place {place}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
