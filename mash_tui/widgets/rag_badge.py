"""RAG ratings as people see them: a coloured word, never a colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

RAG_VARIABLES = {"RED": "rag-red", "AMBER": "rag-amber", "GREEN": "rag-green", "none": "rag-none"}
RAG_WORDS = {"RED": " RED ", "AMBER": " AMBER ", "GREEN": " GREEN ", "none": " NONE "}


def rag_text(rag: str, variables: dict[str, str]) -> Text:
    """A RAG cell for tables: the theme's colour behind the word (tables cannot use CSS classes)."""
    colour = variables.get(RAG_VARIABLES.get(rag, "rag-none"), "grey50")
    return Text(RAG_WORDS.get(rag, f" {rag} "), style=f"bold black on {colour}")


class RagBadge(Static):
    """A RAG badge; its colour comes from the `.rag-RED`, `.rag-AMBER`... rules in app.tcss."""

    def __init__(self, rag: str = "none", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_rag(rag)

    def set_rag(self, rag: str) -> None:
        for known in RAG_VARIABLES:
            self.remove_class(f"rag-{known}")
        self.add_class(f"rag-{rag if rag in RAG_VARIABLES else 'none'}")
        self.update(Text(RAG_WORDS.get(rag, f" {rag} ")))
