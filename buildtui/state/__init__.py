"""State between the API client and the screens (no Textual here)."""

from .build_detail import BuildDetailModel
from .build_list import BuildListModel
from .store import Store

__all__ = ["BuildDetailModel", "BuildListModel", "Store"]
