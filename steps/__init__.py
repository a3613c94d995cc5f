"""Step definitions: thin bindings from Gherkin to harness code."""
