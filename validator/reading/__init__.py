"""Reading artifact files: bytes, listings and parsers, each failure a value."""
