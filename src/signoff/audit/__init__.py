"""signoff.audit."""
