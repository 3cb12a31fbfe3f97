"""signoff.metrics."""
