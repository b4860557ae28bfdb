import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.stats.sampling import (
    CODE_LETTERS,
    SAMPLE_SIZES,
    STANDARD_AQLS,
    TABLE_II_A,
    SamplingPlan,
    allocate,
    cochran_sample_size,
    code_letter,
    z14_plan,
)

# --------------------------------------------------------------------------- Cochran


def test_cochran_worked_example():
    # Cochran (1977) ch. 4: 95%, p = 0.5, ±5% → n0 = 1.96²·0.25/0.05² = 384.16 → 385;
    # with N = 1000 the correction gives 384.16 / (1 + 383.16/1000) = 277.7 → 278.
    assert cochran_sample_size(0.05) == 385
    assert cochran_sample_size(0.05, population=1000) == 278
    # ±3%: n0 = 1067.1 → 1068; 99%, ±5%: n0 = 663.5 → 664.
    assert cochran_sample_size(0.03) == 1068
    assert cochran_sample_size(0.05, confidence=0.99) == 664


def test_cochran_small_and_empty_populations():
    assert cochran_sample_size(0.05, population=0) == 0
    assert cochran_sample_size(0.05, population=1) == 1
    assert cochran_sample_size(0.001, population=50) == 50
    assert cochran_sample_size(0.05, population=1000.0) == 278


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin": 0},
        {"margin": 1.2},
        {"margin": 0.05, "p": 0},
        {"margin": 0.05, "p": 1},
        {"margin": 0.05, "confidence": 1},
        {"margin": 0.05, "population": -3},
        {"margin": 0.05, "population": 10.5},
        {"margin": 0.05, "population": True},
    ],
)
def test_cochran_bad_input(kwargs):
    with pytest.raises(MetricInputError):
        cochran_sample_size(**kwargs)


def test_cochran_agrees_with_the_textbook_formula_on_random_inputs():
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    for _ in range(300):
        e, c, p = rng.uniform(0.005, 0.2), rng.uniform(0.8, 0.995), rng.uniform(0.02, 0.98)
        big_n = int(rng.integers(1, 100_000))
        z = norm.isf((1 - c) / 2)
        n0 = z**2 * p * (1 - p) / e**2
        assert cochran_sample_size(e, c, p) == max(1, math.ceil(n0 - 1e-9))
        fpc = n0 / (1 + (n0 - 1) / big_n)
        assert cochran_sample_size(e, c, p, big_n) == min(big_n, max(1, math.ceil(fpc - 1e-9)))


@settings(max_examples=80, deadline=None)
@given(
    st.floats(0.005, 0.4),
    st.floats(0.005, 0.4),
    st.floats(0.5, 0.999),
    st.one_of(st.none(), st.integers(1, 10**7)),
)
def test_cochran_monotone_in_margin_and_bounded_by_population(m1, m2, conf, big_n):
    small, large = sorted((m1, m2))
    assert cochran_sample_size(small, conf, population=big_n) >= cochran_sample_size(
        large, conf, population=big_n
    )
    n = cochran_sample_size(large, conf, population=big_n)
    assert n >= 1 and (big_n is None or n <= big_n)


# --------------------------------------------------------------------------- allocation


def test_allocate_worked_examples():
    # 10 over volumes 100, 50, 0, 3, 1: the two small strata are raised to 1, the rest
    # (8) is split 100:50 = 5.33 : 2.67 → 5 and 3 by largest remainder.
    assert allocate(10, [100, 50, 0, 3, 1]).tolist() == [5, 3, 0, 1, 1]
    # Fewer units than strata: no minimum of 1; quotas 1.96, 0.98, 0.04, 0.02.
    assert allocate(3, [100, 50, 2, 1]).tolist() == [2, 1, 0, 0]
    # More than the volume: every item, no more.
    assert allocate(1000, [5, 5, 5]).tolist() == [5, 5, 5]
    # Neyman, Cochran (1977) ch. 5: n_h ∝ N_h·S_h with S_h = sqrt(p(1−p)).
    # S = 0.5 and 0.4 → quotas 55.6 and 44.4.
    assert allocate(100, [1000, 1000], "neyman", p=[0.5, 0.2]).tolist() == [56, 44]
    # All Neyman weights zero → proportional.
    assert allocate(10, [300, 100], "neyman", p=0.0).tolist() == [8, 2]
    assert allocate(0, [1, 2]).tolist() == [0, 0]
    assert allocate(5, []).tolist() == []


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((5, [1, -2]), {}),
        ((5, [1.5, 2]), {}),
        ((-1, [1, 2]), {}),
        ((2.5, [1, 2]), {}),
        ((5, [1, 2]), {"method": "neyman"}),
        ((5, [1, 2]), {"method": "neyman", "p": [0.5, 2]}),
        ((5, [1, 2]), {"method": "optimal"}),
    ],
)
def test_allocate_bad_input(args, kwargs):
    with pytest.raises(MetricInputError):
        allocate(*args, **kwargs)


def _hamilton(total, volumes):
    """Largest-remainder (Hamilton) apportionment, written independently."""
    quotas = [total * v / sum(volumes) for v in volumes]
    seats = [int(q) for q in quotas]
    by_remainder = sorted(range(len(volumes)), key=lambda i: (-(quotas[i] - seats[i]), i))
    for i in by_remainder[: total - sum(seats)]:
        seats[i] += 1
    return seats


def test_allocate_is_hamilton_when_no_bound_binds():
    rng = np.random.default_rng(8)
    for _ in range(300):
        k = int(rng.integers(1, 12))
        volumes = rng.integers(1000, 50_000, k).tolist()
        total = int(rng.integers(k, 1000))
        quotas = [total * v / sum(volumes) for v in volumes]
        if min(quotas) < 1:
            continue
        assert allocate(total, volumes).tolist() == _hamilton(total, volumes)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 3000),
    st.lists(st.integers(0, 2000), min_size=1, max_size=15),
    st.sampled_from(["proportional", "neyman"]),
    st.floats(0, 1),
)
def test_allocate_properties(total, volumes, method, p):
    out = allocate(total, volumes, method, p=p)
    vol = np.array(volumes)
    assert out.sum() == min(total, vol.sum())
    assert (out <= vol).all() and (out >= 0).all()
    assert (out[vol == 0] == 0).all()
    if total >= (vol > 0).sum():
        assert (out[vol > 0] >= 1).all()


# --------------------------------------------------------------------------- Z1.4


@pytest.mark.parametrize(
    ("lot", "level", "letter"),
    [
        (2, "II", "A"),
        (8, "II", "A"),
        (9, "II", "B"),
        (26, "I", "C"),
        (90, "III", "F"),
        (1000, "II", "J"),
        (1200, "II", "J"),
        (1201, "II", "K"),
        (3200, "I", "H"),
        (10_000, "I", "J"),
        (35_001, "II", "N"),
        (500_000, "III", "Q"),
        (500_001, "III", "R"),
        (10**9, "I", "N"),
        (1, "II", "A"),
    ],
)
def test_code_letters_table_i(lot, level, letter):
    # ANSI/ASQ Z1.4-2008 Table I (= MIL-STD-105E Table I), general inspection levels.
    assert code_letter(lot, level) == letter


# Published single sampling plans, normal inspection (ANSI/ASQ Z1.4-2008 Table II-A,
# identical to MIL-STD-105E Table II-A): lot, AQL, level → letter, n, Ac, Re.
PUBLISHED_LOOKUPS = [
    (1000, 1.0, "II", "J", 80, 2, 3),
    (1000, 0.065, "II", "J", 200, 0, 1),  # arrow down from J to L
    (1000, 10, "II", "J", 80, 14, 15),
    (1000, 2.5, "II", "J", 80, 5, 6),
    (1000, 4.0, "II", "J", 80, 7, 8),
    (1000, 0.65, "II", "J", 80, 1, 2),
    (3000, 2.5, "II", "K", 125, 7, 8),
    (50_000, 2.5, "II", "N", 500, 21, 22),
    (50_000, 4.0, "II", "N", 315, 21, 22),  # arrow up from N to M
    (100, 1.0, "II", "F", 13, 0, 1),  # arrow up from F to E
    (200, 0.65, "II", "G", 20, 0, 1),  # arrow up from G to F
    (500, 1.5, "II", "H", 50, 2, 3),
    (10_000, 0.40, "I", "J", 125, 1, 2),  # arrow down from J to K
    (600_000, 0.65, "III", "R", 2000, 21, 22),
    (600_000, 0.065, "III", "R", 2000, 3, 4),
    (20_000, 0.10, "II", "M", 500, 1, 2),  # arrow down from M to N
]


@pytest.mark.parametrize(("lot", "aql", "level", "letter", "n", "ac", "re"), PUBLISHED_LOOKUPS)
def test_published_lookups(lot, aql, level, letter, n, ac, re):
    plan = z14_plan(lot, aql, level)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (letter, n, ac, re)
    assert plan.sample_size == SAMPLE_SIZES[plan.plan_letter]
    assert not plan.full_inspection


# MIL-STD-105E Table II-A rows for AQL 0.65 … 10 as transcribed in the NIBS facility
# O&M guide table "General Level II, single normal" (Re numbers; v/^ = arrows).
NIBS_RE_065_TO_10 = {
    "A": "v v v v v 1 ^",
    "B": "v v v v 1 ^ v",
    "C": "v v v 1 ^ v 2",
    "D": "v v 1 ^ v 2 3",
    "E": "v 1 ^ v 2 3 4",
    "F": "1 ^ v 2 3 4 6",
    "G": "^ v 2 3 4 6 8",
    "H": "v 2 3 4 6 8 11",
    "J": "2 3 4 6 8 11 15",
    "K": "3 4 6 8 11 15 22",
    "L": "4 6 8 11 15 22 ^",
    "M": "6 8 11 15 22 ^ ^",
    "N": "8 11 15 22 ^ ^ ^",
    "P": "11 15 22 ^ ^ ^ ^",
    "Q": "15 22 ^ ^ ^ ^ ^",
}


def test_master_table_matches_published_transcription():
    first = STANDARD_AQLS.index(0.65)
    for letter, row in NIBS_RE_065_TO_10.items():
        ours = [c if c in "v^" else str(int(c) + 1) for c in TABLE_II_A[letter][first:]]
        assert ours == row.split(), letter


def test_master_table_follows_the_diagonal_structure():
    # Independent reconstruction: moving one letter down equals moving one AQL column left,
    # so each cell depends on letter index + AQL index (Z1.4 Table II-A layout).
    sequence = {
        14: "0",
        15: "^",
        16: "v",
        17: "1",
        18: "2",
        19: "3",
        20: "5",
        21: "7",
        22: "10",
        23: "14",
        24: "21",
    }
    for i, letter in enumerate(CODE_LETTERS):
        for j, aql in enumerate(STANDARD_AQLS):
            d = i + j + 4  # AQL 0.065 is the 5th column of the full table (0.010 first)
            expected = "v" if d < 14 else sequence.get(d, "^")
            assert TABLE_II_A[letter][j] == expected, (letter, aql)


def test_full_inspection_when_sample_reaches_the_lot():
    plan = z14_plan(10, 0.065, "II")
    assert plan == SamplingPlan("B", 10, 0, 1, plan_letter="L", full_inspection=True)


def test_top_row_up_arrow_uses_the_smallest_plan():
    # Row A, AQL 10: the table's up arrow has no row above; documented choice n=2, Ac 0.
    plan = z14_plan(5, 10, "II")
    assert (plan.sample_size, plan.accept, plan.reject) == (2, 0, 1)


@pytest.mark.parametrize(
    ("lot", "aql", "level"), [(0, 1.0, "II"), (1000, 2.0, "II"), (1000, 1.0, "IV"), (2.5, 1, "I")]
)
def test_z14_bad_input(lot, aql, level):
    with pytest.raises(MetricInputError):
        z14_plan(lot, aql, level)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 2_000_000),
    st.integers(1, 2_000_000),
    st.sampled_from(STANDARD_AQLS),
    st.sampled_from(["I", "II", "III"]),
)
def test_z14_properties(lot1, lot2, aql, level):
    assume(lot1 != lot2)
    small, big = sorted((lot1, lot2))
    a, b = z14_plan(small, aql, level), z14_plan(big, aql, level)
    for plan, lot in ((a, small), (b, big)):
        assert 0 <= plan.accept < plan.reject == plan.accept + 1
        assert 1 <= plan.sample_size <= lot
        assert plan.full_inspection == (SAMPLE_SIZES[plan.plan_letter] >= lot)
    assert a.sample_size <= b.sample_size
