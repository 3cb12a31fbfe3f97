"""signoff.explain."""
