"""Text from a server, made safe to show on a terminal or to write into a log line.

Names, states, addresses, error codes and messages come from the service (or
from whatever answers at the endpoint). Written raw, such text can take over a
terminal (ESC starts a control sequence: colours, cursor moves, OSC 52 writes
the clipboard, OSC 8 hides a link behind innocent text; the C1 controls are
single-character forms of the same), forge a log line (a newline, or a
carriage return that sends the cursor back over what was written), or reorder
what a reader sees (the bidirectional overrides and isolates).

The rule, in one place: every character that is not meant to be drawn is
shown *visibly*, as the escape a Python programmer reads
(``\\x1b``, ``\\n``, ``\\u202e``), and everything else is left as it is. The
characters concerned are the Unicode categories Cc (C0, DEL and C1 controls),
Cf (format characters: bidi controls, zero-width spaces, byte order marks; the
two joiners that scripts and emoji need, U+200C and U+200D, are kept), Cs
(lone surrogates, which UTF-8 cannot even encode), and the line and paragraph
separators Zl and Zp. :func:`neutralise` applies it to text for people;
:func:`json_text` applies it to a JSON document as JSON escapes, which a
parser decodes back to the exact value.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["json_text", "neutralise", "unsafe"]

#: The categories whose characters are never drawn as they are.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: Format characters that join letters into the glyph a script or an emoji needs.
_JOINERS = frozenset("\u200c\u200d")
#: The short escapes a reader knows; every other character gets its code point.
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@functools.lru_cache(maxsize=4096)
def unsafe(char: str) -> bool:
    """Whether ``char`` is one that :func:`neutralise` escapes.

    Args:
        char: one character.

    Returns:
        ``True`` for controls, format characters (but the joiners), lone
        surrogates and the line and paragraph separators.
    """
    return unicodedata.category(char) in _UNSAFE_CATEGORIES and char not in _JOINERS


def _escape(char: str) -> str:
    short = _SHORT.get(char)
    if short is not None:
        return short
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def neutralise(text: str) -> str:
    """``text`` with every character not meant to be drawn shown as its escape.

    ``"\\x1b]52;c;...\\x07"`` becomes the visible text ``\\x1b]52;c;...\\x07``;
    a newline becomes ``\\n``; a lone surrogate ``\\udc80`` (so the result can
    always be encoded as UTF-8). Text with nothing to escape is returned as it is.

    Args:
        text: text from a server, a configuration or an exception.

    Returns:
        Text safe to write to a terminal or a log line.
    """
    if text.isprintable():  # the common case, in C: no control, format or separator
        return text
    return "".join(_escape(char) if unsafe(char) else char for char in text)


#: What :func:`json_text` looks at: everything but printable ASCII and the newline (the
#: only control ``json.dumps`` writes raw: between members, when indenting).
_CANDIDATES = re.compile(r"[^\n\x20-\x7e]")


def _json_escape(char: str) -> str:
    point = ord(char)
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def json_text(document: str) -> str:
    """A JSON document from ``json.dumps(..., ensure_ascii=False)`` with every unsafe
    character written as a JSON escape.

    ``json.dumps`` escapes C0 controls itself but writes DEL, the C1 controls, the
    bidi controls and lone surrogates raw (the last ones cannot then be encoded).
    They can only stand inside strings, so escaping them keeps the document valid
    and a parser returns the exact value.

    Args:
        document: the JSON text.

    Returns:
        The same document, safe on a terminal and encodable as UTF-8.
    """
    if document.isascii() and "\x7f" not in document:
        return document  # the common case: json.dumps has escaped every other control
    return _CANDIDATES.sub(
        lambda match: _json_escape(match.group()) if unsafe(match.group()) else match.group(),
        document,
    )
