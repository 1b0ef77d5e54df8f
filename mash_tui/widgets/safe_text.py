"""Text from people or the database, ready for any widget: never markup, never a terminal command.

`rich.text.Text` alone keeps markup inert, but passes ANSI escapes and control characters straight
to the terminal. `safe_text` does both jobs; see `mash_tui.printable` for what is replaced.

`TerminalGuard` is the last line of defence behind it: a Textual line filter the app applies to
every line of every widget, which deletes any control character still in the text. Deleting keeps
the layout (such characters take no cells), but hides that something was there, so screens show
people's text through `safe_text` and leave the guard nothing to do.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from mash_tui.printable import printable

# Every character a terminal may act on, and that takes no cell: C0 (a newline too: a line of the
# screen never holds one), DEL, C1, the bidirectional embeddings, overrides and isolates, and the
# line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def safe_text(value: object, style: str | Style = "", *, multiline: bool = False) -> Text:
    """`value` shown exactly as typed, except that nothing in it can act on the terminal."""
    if isinstance(value, Text):
        cleaned = value.copy()
        cleaned.plain = printable(value.plain, multiline=multiline)
        if style:
            cleaned.stylize(style)
        return cleaned
    return Text(printable(value, multiline=multiline), style=style)


class TerminalGuard(LineFilter):
    """Removes control characters from every segment of text on its way to the terminal."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(_UNSAFE.search(segment.text) for segment in segments if not segment.control):
            return segments
        return [
            segment if segment.control or not _UNSAFE.search(segment.text)
            else Segment(_UNSAFE.sub("", segment.text), segment.style)
            for segment in segments
        ]


TERMINAL_GUARD = TerminalGuard()
