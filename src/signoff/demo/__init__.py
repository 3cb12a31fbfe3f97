"""signoff.demo."""
