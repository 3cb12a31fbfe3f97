"""signoff.models."""
