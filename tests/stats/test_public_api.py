"""The names the issues promise on ``labelxl.stats`` are importable from there."""

import labelxl.stats as stats

PROMISED = [
    "wilson_interval",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "gwet_ac1_counts",
    "dawid_skene",
    "p_chart",
    "cochran_sample_size",
    "z14_plan",
    "stratified_accuracy",
    "erlang_c",
    "erlang_c_agents",
    "erlang_a_agents",
    "batch_fte",
    "scheduled_fte",
]


def test_promised_names_are_public():
    missing = [n for n in PROMISED if not callable(getattr(stats, n, None))]
    assert missing == []
    assert set(PROMISED) <= set(stats.__all__)
