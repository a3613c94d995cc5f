"""Reports of a run: the records of each scenario run, the conformance summary, Allure."""
