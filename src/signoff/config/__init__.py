"""signoff.config."""
