"""Text people typed or imported, made safe to put on a terminal.

A name or narrative may hold an ANSI escape sequence (`\\x1b[31m`, a hyperlink `\\x1b]8;;...`),
a bare control character, or a bidirectional override that makes a terminal show the text in
another order than it is stored. Written raw, they recolour the screen, move the cursor, retitle
the window or disguise what a record says. Here every such character becomes a visible stand-in:
C0 controls their Unicode control picture (ESC shows as ␛), DEL as ␡, C1 controls and
bidirectional embeddings, overrides and isolates as �. The text keeps its length and its meaning
to a reader, and nothing of it can act on the terminal.
"""

from __future__ import annotations

from typing import Any, TextIO

_REPLACEMENT = "\ufffd"

_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
# A lone surrogate (from "\\ud800" in a JSON file) is no character: UTF-8 cannot encode it, and
# writing it raw ends the command in a traceback.
_SURROGATES = range(0xD800, 0xE000)


def _table(*, multiline: bool) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    table.update({code: _REPLACEMENT for code in range(0x80, 0xA0)})
    table.update({code: _REPLACEMENT for code in _BIDI_CONTROLS})
    table.update({code: _REPLACEMENT for code in _SURROGATES})
    table[ord("\t")] = " "
    # Line and paragraph separators break lines in some terminals and not others.
    table[0x2028] = "\n" if multiline else " "
    table[0x2029] = "\n" if multiline else " "
    if multiline:
        del table[ord("\n")]
        table[ord("\r")] = "\n"
    else:
        table[ord("\n")] = " "
        table[ord("\r")] = " "
    return table


_ONE_LINE = _table(multiline=False)
_MULTILINE = _table(multiline=True)

# For JSON: characters json.dumps leaves raw that a terminal may still act on. As \\u escapes the
# decoded text is exactly what was typed, and the printed bytes are inert.
JSON_ESCAPES = {
    code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), *_BIDI_CONTROLS, 0x2028, 0x2029, *_SURROGATES)
}


def printable(value: object, *, multiline: bool = False) -> str:
    """`value` as text with nothing in it a terminal would act on; one line unless `multiline`."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if multiline:
        return text.replace("\r\n", "\n").translate(_MULTILINE)
    return text.translate(_ONE_LINE)



class PrintableStream:
    """A text stream passing on only what `printable` leaves: the command line's standard output.

    Every command prints through it, so a name or narrative in human output cannot act on the
    terminal whichever command prints it. JSON output is unchanged: it is already escaped.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text, multiline=True))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
