"""Pure statistics: intervals, agreement, SPC, sampling, queueing and staffing formulas."""
