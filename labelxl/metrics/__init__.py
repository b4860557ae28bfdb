"""Metrics: one module per domain noun; ``compute`` builds every table a refresh or deck needs."""

from labelxl.metrics._common import WEIGHT as AUDIT_WEIGHT
from labelxl.metrics.bundle import Metrics, compute, reporting_month

# Audits are counted as Σ AUDIT_WEIGHT (a compacted table's column; 1 per row without it).
__all__ = ["AUDIT_WEIGHT", "Metrics", "compute", "reporting_month"]
