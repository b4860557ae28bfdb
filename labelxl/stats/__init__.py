"""Pure statistics: intervals, agreement, SPC, sampling, queueing and staffing formulas."""

from labelxl.stats.agreement import (
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_counts,
    kappa_band,
    krippendorff_alpha,
    percent_agreement_counts,
)
from labelxl.stats.dawid_skene import DawidSkeneResult, dawid_skene
from labelxl.stats.erlang import (
    ErlangAResult,
    ErlangResult,
    erlang_a,
    erlang_a_agents,
    erlang_c,
    erlang_c_agents,
)
from labelxl.stats.intervals import (
    mover_difference,
    newcombe_difference,
    wilson_arrays,
    wilson_interval,
    z_value,
)
from labelxl.stats.sampling import (
    SamplingPlan,
    allocate,
    cochran_sample_size,
    code_letter,
    z14_plan,
)
from labelxl.stats.spc import p_chart, p_chart_limits
from labelxl.stats.staffing import batch_fte, scheduled_fte
from labelxl.stats.stratified import Estimate, stratified_accuracy

__all__ = [
    "DawidSkeneResult",
    "ErlangAResult",
    "ErlangResult",
    "Estimate",
    "SamplingPlan",
    "allocate",
    "batch_fte",
    "cochran_sample_size",
    "code_letter",
    "cohen_kappa",
    "cohen_kappa_table",
    "dawid_skene",
    "erlang_a",
    "erlang_a_agents",
    "erlang_c",
    "erlang_c_agents",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac1_counts",
    "kappa_band",
    "krippendorff_alpha",
    "mover_difference",
    "newcombe_difference",
    "p_chart",
    "p_chart_limits",
    "percent_agreement_counts",
    "scheduled_fte",
    "stratified_accuracy",
    "wilson_arrays",
    "wilson_interval",
    "z14_plan",
    "z_value",
]
