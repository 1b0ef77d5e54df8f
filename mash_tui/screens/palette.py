"""The command palette's list of screens the signed-in user may open."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mash_tui.screens.registry import screens_for


class ScreenCommands(Provider):
    def _entries(self):  # noqa: ANN202
        actor = getattr(self.app, "actor", None)
        return screens_for(actor) if actor is not None else []

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(f"Open: {entry.title}", partial(self.app.open_screen, entry.id), help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            label = f"Open: {entry.title}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self.app.open_screen, entry.id), help=entry.help)
