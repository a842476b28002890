"""One bound on text that comes from elsewhere and ends up in an error or a log line.

A server's error ``message``, its ``__type``, a ``tip``, a page token, the
message of a library's exception (a parser's may quote a whole body): any of
them can be megabytes long when the server is broken or hostile, and an
exception keeps its message for as long as it lives, in every traceback and
log record. So every such piece of text is kept to at most :data:`TEXT_MAX`
characters, and a piece that was cut says so at its end, with how much was
cut: a reader never takes a cut text for the whole.

The emulator answers with the same bound, so what it quotes back of a
request is never longer than what the client would keep of it.
"""

from __future__ import annotations

__all__ = ["TEXT_MAX", "bounded"]

#: The most characters of one piece of outside text kept: 1 KiB. Lightsail's own
#: messages are one or two sentences (well under 300 characters); a message
#: quoting a name or a value of the longest kind (a 255-character name, a
#: 256-character tag) still fits whole.
TEXT_MAX = 1024


def bounded(text: str) -> str:
    """``text`` when it has at most :data:`TEXT_MAX` characters, else its start,
    marked where it was cut: ``"…[N characters cut]"``, all within :data:`TEXT_MAX`."""
    if len(text) <= TEXT_MAX:
        return text
    # The mark's length depends on the count it shows, which depends on where the
    # cut is: take the count's width at its largest (the whole text's length).
    keep = TEXT_MAX - len(_mark(len(text)))
    return text[:keep] + _mark(len(text) - keep)


def _mark(cut: int) -> str:
    return f"…[{cut} characters cut]"
