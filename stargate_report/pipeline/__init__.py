"""Run one scenario: validation, cache, chapter execution, merge, export, manifest."""
