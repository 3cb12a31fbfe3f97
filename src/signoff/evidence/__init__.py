"""signoff.evidence."""
