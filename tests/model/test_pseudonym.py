from hypothesis import given
from hypothesis import strategies as st

from labelxl.model.pseudonym import new_secret, pseudonym, pseudonym_map


def test_same_person_same_pseudonym_across_calls():
    assert pseudonym("L0042", "s3cret") == pseudonym("L0042", "s3cret")


def test_secret_changes_pseudonym():
    ids = [f"L{i:04d}" for i in range(200)]
    a = pseudonym_map(ids, "one")
    b = pseudonym_map(ids, "two")
    assert sum(a[i] == b[i] for i in ids) < 5


def test_pseudonym_does_not_contain_the_id():
    for i in range(500):
        pid = f"L{i:04d}"
        assert pid not in pseudonym(pid, "k")


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=300, unique=True))
def test_map_is_injective(ids):
    m = pseudonym_map(ids, "secret")
    assert len(set(m.values())) == len(m) == len(ids)


def test_new_secret_is_random_and_long():
    s1, s2 = new_secret(), new_secret()
    assert s1 != s2 and len(s1) >= 32


def test_blank_secret_refused():
    import pytest

    with pytest.raises(ValueError):
        pseudonym("L1", "")
