"""Serial numbers for new outputs, one scanned label (or typed serial) at a time: each is checked against the
list so far and against the part's existing serials on the server before it is added, and the list is sent
in one create-output request that the server reads serial by serial (rules/serials.py ``literal``).

The server's check when the outputs are created still decides (a serial taken meanwhile, a validation
plugin). Uniqueness on the server is across the part's variant tree (semantics §6.1); the check here asks
for the part and its variants (``/api/stock/?part=`` includes variants by default). No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.models import StockItem
from ..rules import serials as grammar
from .scan import ScanRefused
from .store import Store


def in_use_message(serial: str, item: StockItem) -> str:
    name = item.part_detail.label if item.part_detail else f"part {item.part}"
    where = " (an output still in production)" if item.is_building else ""
    return f"Serial {serial} is already used: {name}, stock item #{item.pk}{where}."


@dataclass
class ScannedSerials:
    """The serials scanned (or typed) so far for ``part``'s new outputs, in order."""

    part: int
    serials: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.serials)

    def expression(self) -> str:
        """What to send as ``serial_numbers`` with quantity ``len(self)``: each serial read as it is."""
        return grammar.literal(self.serials)

    def refusal(self, serial: str) -> str | None:
        """Why ``serial`` cannot join the list, without asking the server."""
        if serial in self.serials:
            return f"Serial {serial} is in the list already (number {self.serials.index(serial) + 1})."
        if len(self.serials) >= grammar.MAX_SERIALS:
            return f"The server makes at most {grammar.MAX_SERIALS} outputs at once."
        return grammar.literal_refusal(serial)

    async def in_use(self, store: Store, serial: str) -> StockItem | None:
        """The stock item of the part (or a variant) that has ``serial`` already, asked of the server."""
        found = await store.call(lambda: store.client.find_stock(part=self.part, serial=serial))
        return next((item for item in found if item.serial == serial), None)

    async def check(self, store: Store, serial: str) -> None:
        """``ScanRefused`` with the reason when ``serial`` cannot be added (the list, the grammar, the server)."""
        why = self.refusal(serial)
        if why:
            raise ScanRefused(why)
        item = await self.in_use(store, serial)
        if item is not None:
            raise ScanRefused(in_use_message(serial, item))

    def add(self, serial: str) -> None:
        self.serials.append(serial)

    def drop_last(self) -> str | None:
        return self.serials.pop() if self.serials else None
