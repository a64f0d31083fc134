"""The inspector dock: a typed editor per hyper-parameter of the selected layer."""

from designer.ui.inspector.editors import EDITORS, ParamEditor, editor_for
from designer.ui.inspector.panel import Inspector

__all__ = ["EDITORS", "Inspector", "ParamEditor", "editor_for"]
