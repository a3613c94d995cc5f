"""The suite's pytest wiring is the bioharness plugin, harness/pytest_plugin.py (installed as a
`pytest11` entry point); the steps are in steps/, the features in features/."""
