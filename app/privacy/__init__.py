"""Subject access and erasure for one participant (GDPR articles 15 and 17)."""
