"""labelxl: validate labeling-team workbooks, compute quality and operations metrics, build the deck."""

from labelxl.errors import LabelxlError
from labelxl.settings import Settings
from labelxl.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["LabelxlError", "Settings", "Workspace", "__version__"]
