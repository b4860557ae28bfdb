"""The model: sheet contracts, findings, settings, periods and the workspace value."""
