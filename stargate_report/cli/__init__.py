"""The stargate-report command: parses, validates, calls pipeline or batch, prints."""
