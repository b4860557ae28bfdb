"""labelxl: validate labeling-team workbooks, compute their metrics, build the monthly deck."""

from labelxl.errors import LabelxlError
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["LabelxlError", "Settings", "Workspace", "__version__"]
