"""labelxl: validate labeling-team workbooks, compute their metrics, build the monthly deck."""

from labelxl.errors import LabelxlError
from labelxl.settings import Settings
from labelxl.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["LabelxlError", "Settings", "Workspace", "__version__"]
