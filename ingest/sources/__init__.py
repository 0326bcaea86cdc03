"""Indicator and reference sources: the declarative registry, per-format parsers and the ingest stage."""
