"""State between the API client and the screens (no Textual here).

``BuildDetailModel`` is in ``state.build_detail``: imported when a build is opened, not at launch.
"""

from .build_list import BuildListModel
from .store import Store

__all__ = ["BuildListModel", "Store"]
