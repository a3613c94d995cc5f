"""The nevisFIDO Device Service as a mobile device speaks it: fixtures, client, session, checks."""
