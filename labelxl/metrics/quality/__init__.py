"""Quality metrics from the Audits sheet: accuracy, coaching flags, errors, SPC, sampling.

Every metric keeps the two-step shape of DESIGN.md §8: audit rows are first reduced to
counts per id and period with a group-by (the step a database could run), then the
statistics are computed on those small aggregates.

An audit is **correct** when the labeler's decision equals the auditor's, or when the
labeler disputed it and the dispute was Overturned (the labeler was right). Audits with
a blank date or decision cannot be judged and are skipped (validation reports them).

Modules: ``facts`` (audit facts and the roll-up), ``accuracy`` (accuracy tables, coaching
flag, p-charts), ``errors`` (Pareto, precision/recall, confusion, disputes), ``auditors``
(strictness against peers), ``sampling`` (audit samples, Z1.4 lots), ``summary``.

Months: functions taking ``month`` read that month's audits; ``month=None`` means **all
audits** for the tables (audit_facts, error_pareto, policy_precision_recall,
confusion_matrix, dispute_summary, auditor_strictness), and **the default reporting month**
(``periods.resolve_month``) for the ones that report one month (sampling_plan,
vendor_lot_plans, quality_summary).
"""

from labelxl.metrics.quality.accuracy import (
    accuracy_table,
    coaching_flag,
    labeler_quality,
    spc_by_project,
)
from labelxl.metrics.quality.auditors import auditor_strictness
from labelxl.metrics.quality.errors import (
    confusion_matrix,
    dispute_summary,
    error_pareto,
    policy_precision_recall,
)
from labelxl.metrics.quality.facts import ACCURACY_COLUMNS, BY_CHOICES, Freq, audit_facts
from labelxl.metrics.quality.sampling import sampling_plan, vendor_lot_plans
from labelxl.metrics.quality.summary import quality_summary

__all__ = [
    "ACCURACY_COLUMNS",
    "BY_CHOICES",
    "Freq",
    "accuracy_table",
    "audit_facts",
    "auditor_strictness",
    "coaching_flag",
    "confusion_matrix",
    "dispute_summary",
    "error_pareto",
    "labeler_quality",
    "policy_precision_recall",
    "quality_summary",
    "sampling_plan",
    "spc_by_project",
    "vendor_lot_plans",
]
