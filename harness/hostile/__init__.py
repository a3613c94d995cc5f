"""Hostile input for any target: the canary no server may contact, and the outcomes a hostile
request may get."""
