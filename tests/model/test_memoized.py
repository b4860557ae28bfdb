import pandas as pd

from labelxl.model.workspace import Workspace, memoized

calls: list[int] = []


@memoized
def _table(ws: Workspace, n: int) -> pd.DataFrame:
    calls.append(n)
    return pd.DataFrame({"x": range(n)})


def test_computed_once_per_workspace_and_arguments_and_copies_handed_out():
    calls.clear()
    ws = Workspace.from_frames({})
    a = _table(ws, 3)
    a.loc[0, "x"] = 99  # a caller editing its copy must not change the shared one
    b = _table(ws, 3)
    _table(ws, 4)
    _table(Workspace.from_frames({}), 3)
    assert b["x"].tolist() == [0, 1, 2]
    assert calls == [3, 4, 3]
