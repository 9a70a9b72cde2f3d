"""Command palette: every action of the current screen by name (with its key as printed on the keyboard:
"Esc", "/", "ctrl+r, F5"), and opening a build by reference."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ActionCommands(Provider):
    """The bindings of the screen under the palette, plus the app's own, by their descriptions."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from .screens.help import keys_as_printed  # the help screen's module: loaded with the palette, not at launch

        screen = self.screen
        out: list[tuple[str, str, Callable[[], object]]] = []
        seen: set[str] = set()
        for node in (screen, self.app):
            for binding in getattr(node, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description or binding.description in seen:
                    continue
                name = binding.action.split("(")[0]
                allowed = node.check_action(name, ()) if hasattr(node, "check_action") else True
                if allowed is False:
                    continue  # not offered here (status or roles)
                seen.add(binding.description)
                out.append((binding.description, keys_as_printed(binding), partial(node.run_action, binding.action)))
        out.append(("Open build by reference…", "ctrl+g", partial(self.app.run_action, "goto_build")))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
