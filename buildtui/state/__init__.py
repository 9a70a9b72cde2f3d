"""Reactive state between the API client and the screens (no Textual here)."""

from .store import BuildDetailModel, BuildListModel, Store

__all__ = ["BuildDetailModel", "BuildListModel", "Store"]
