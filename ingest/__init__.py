"""London health inequalities warehouse: ingestion, plan parser, quality gate and CLI."""
