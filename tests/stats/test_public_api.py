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


def test_core_stats_do_not_import_front_door_libraries():
    import sys

    for mod in ("xlwings", "pptx", "click", "jinja2"):
        assert mod not in {m.split(".")[0] for m in sys.modules if m.startswith("labelxl.stats")}
