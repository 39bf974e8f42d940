"""Package data and its schemas: assumptions, facts, sources, regions, presets. Imports nothing above it."""
