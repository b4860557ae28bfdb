"""Metrics: one module per domain noun; ``compute`` builds every table a refresh or deck needs."""

from labelxl.metrics.bundle import Metrics, compute, reporting_month

__all__ = ["Metrics", "compute", "reporting_month"]
