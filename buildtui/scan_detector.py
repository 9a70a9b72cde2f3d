"""Telling a keyboard-wedge barcode scanner from a person: no Textual here.

A scanner "types" a code as a burst of keys, each arriving within a few milliseconds of the last (slow or
wireless ones: up to ~60 ms), often ended by Enter or Tab, sometimes by nothing at all. A person types a key
every 120 ms or more. The rule, applied to the times the keys were *read* (``events.Key.time``, stamped by
Textual's input thread), never to the time the event loop got round to them:

- a **burst** is a run of keys each within ``gap`` seconds of the one before; its printable keys are held,
  not acted on, while it may still be arriving;
- a burst of at least ``min_length`` printable keys is a **scan** when it ends: on Enter, Tab or LF, on EOT
  (ctrl+d, which ECIA labels end with and which stays in the code), on any other key, or when the line has
  been quiet for ``gap`` (many wedges send no terminator). The keys of a scan are never acted on;
- a shorter burst is a person: its keys are handed on unchanged, in order, at most ``gap`` late;
- except within ``2 * gap`` after a scan (its echo): a terminator or suffix key there (Enter, Tab, LF, EOT,
  a control character) is swallowed (CR LF, EOT then Enter), any other key is the operator's, and a short burst there is what is left of the scan (a stall longer than the gap split it;
  measured up to ~100 ms on an overloaded machine): dropped, never handed on as shortcuts. No one reads
  the result of a scan and presses a key within 160 ms.
- the control characters of a burst (RS, GS, EOT, FS, US, typed by the wedge as ctrl+^, ctrl+], ctrl+d, ...)
  stay in the code as the real bytes: the server's supplier-barcode plugins need them. Outside a burst they
  are ordinary keys.

Each step returns what the app must do, in order: hand a key on (``Replay``) or resolve a code (``Scan``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

E = TypeVar("E")

FS, GS, RS, US, EOT = "\x1c", "\x1d", "\x1e", "\x1f", "\x04"
CONTROL_CHARACTERS = frozenset((FS, GS, RS, US, EOT))

#: What Textual 8.2.8 calls the Ctrl chords a wedge types for these codes (measured by feeding the bytes, and
#: the kitty-protocol and modifyOtherKeys sequences, through ``textual._xterm_parser.XTermParser``). In a
#: plain terminal the byte arrives with ``character`` set to it; under the kitty protocol (which Textual turns
#: on) the chord arrives with ``character=None``; under xterm's modifyOtherKeys ``ctrl+]`` has ``character="]"``.
#: ctrl+4 ... ctrl+7 are the VT220/xterm spellings of the same codes (Ctrl+5 = GS, Ctrl+6 = RS).
CONTROL_KEYS: dict[str, str] = {
    "ctrl+right_square_bracket": GS,
    "ctrl+5": GS,
    "ctrl+circumflex_accent": RS,
    "ctrl+shift+circumflex_accent": RS,
    "ctrl+6": RS,
    "ctrl+shift+6": RS,
    "ctrl+d": EOT,
    "ctrl+backslash": FS,
    "ctrl+4": FS,
    "ctrl+underscore": US,
    "ctrl+shift+minus": US,
    "ctrl+7": US,
}

#: Keys that end a burst without being part of the code ("\n" arrives as ctrl+j).
END_KEYS = frozenset(("enter", "tab", "ctrl+j"))
_MODIFIERS = frozenset(("ctrl", "alt", "meta", "super", "hyper"))


class Kind(Enum):
    TEXT = "text"  # a printable character: starts or continues a burst
    CONTROL = "control"  # RS, GS, FS, US: inside a burst part of the code, outside it an ordinary key
    EOT = "eot"  # end of transmission: inside a burst part of the code and its end
    END = "end"  # Enter, Tab, LF: ends a burst, not part of the code
    OTHER = "other"


def classify(key: str, character: str | None) -> tuple[Kind, str]:
    """What a key is to the detector, and what it adds to a code."""
    control = character if character in CONTROL_CHARACTERS else CONTROL_KEYS.get(key)
    if control is not None:
        return (Kind.EOT if control == EOT else Kind.CONTROL), control
    if key in END_KEYS:
        return Kind.END, ""
    if character is not None and len(character) == 1 and character.isprintable() and not _modified(key):
        return Kind.TEXT, character
    return Kind.OTHER, ""


def _modified(key: str) -> bool:
    return len(key) > 1 and any(part in _MODIFIERS for part in key.split("+")[:-1])


@dataclass(frozen=True)
class Replay(Generic[E]):
    """Hand this key on, as if nothing had held it."""

    event: E


@dataclass(frozen=True)
class Scan:
    """Resolve this code (control characters included)."""

    code: str


Action = Replay[E] | Scan


@dataclass
class _Held(Generic[E]):
    event: E
    kind: Kind
    text: str
    at: float


@dataclass
class ScanDetector(Generic[E]):
    """Feed it every key with the time it was read; do what it returns."""

    gap: float = 0.08
    min_length: int = 4
    held: list[_Held[E]] = field(default_factory=list)
    echo_until: float = float("-inf")

    @property
    def enabled(self) -> bool:
        return self.gap > 0

    @property
    def deadline(self) -> float | None:
        """When the burst being held counts as finished if no key arrives before."""
        return self.held[-1].at + self.gap if self.held else None

    def key(self, event: E, key: str, character: str | None, at: float) -> list[Action[E]]:
        """One key, read at ``at`` (seconds, the clock of ``events.Key.time``)."""
        kind, text = classify(key, character)
        actions: list[Action[E]] = []
        if self.held and at - self.held[-1].at > self.gap:
            actions += self._end(self.held[-1].at)[0]  # the line went quiet before this key
        if kind is Kind.TEXT:
            self.held.append(_Held(event, kind, text, at))
            return actions
        if not self.held:
            if at <= self.echo_until and kind is not Kind.OTHER:
                return actions  # the scanner's own terminator or suffix after a scan (never ctrl+z, an arrow…)
            return [*actions, Replay(event)]
        if kind is Kind.CONTROL:
            self.held.append(_Held(event, kind, text, at))
            return actions
        if kind is Kind.EOT:  # part of the code, and its end
            self.held.append(_Held(event, kind, text, at))
            return actions + self._end(at)[0]
        ended, consumed = self._end(at)  # Enter, Tab or another key ends the burst
        return actions + ended if consumed else [*actions, *ended, Replay(event)]

    def expire(self, now: float) -> list[Action[E]]:
        """The line is quiet at ``now``: finish the held burst if no key of it can still come."""
        if self.held and now - self.held[-1].at > self.gap:
            return self._end(self.held[-1].at)[0]
        return []

    def _end(self, at: float) -> tuple[list[Action[E]], bool]:
        """Finish the held burst: its actions, and whether it was consumed (a scan, or a scan's remains)."""
        held, self.held = self.held, []
        if sum(1 for h in held if h.kind is Kind.TEXT) >= self.min_length:
            self.echo_until = at + 2 * self.gap
            return [Scan(restore_controls("".join(h.text for h in held)))], True
        if held and held[0].at <= self.echo_until:
            return [], True  # the remains of the scan just made
        return [Replay(h.event) for h in held], False


# -- wedges that do not type the control characters ----------------------------------------------------------

ECIA_HEADER = "[)>" + RS + "06" + GS
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z](?=\[\)>)")  # ]d2 (DataMatrix), ]Q1 (QR), ]C1 ...

#: Spellings a wedge set up to "send control characters as text" uses (caret notation as terminals show them;
#: the mnemonic names as scanner manuals print them). Matched without regard to case.
_SUBSTITUTES: dict[str, str] = {
    "^^": RS, "^]": GS, "^D": EOT, "^\\": FS, "^_": US,
    "<RS>": RS, "<GS>": GS, "<EOT>": EOT, "<FS>": FS, "<US>": US,
    "{RS}": RS, "{GS}": GS, "{EOT}": EOT, "{FS}": FS, "{US}": US,
}  # fmt: skip
_SUBSTITUTE = re.compile("|".join(re.escape(s) for s in sorted(_SUBSTITUTES, key=len, reverse=True)), re.IGNORECASE)


def restore_controls(code: str) -> str:
    """An ECIA / ISO 15434 label (``[)>`` RS ``06`` GS ...) whose control characters a wedge sent as text,
    back to the real bytes the server's supplier plugins parse. Anything else comes back unchanged.

    Recognised: caret notation (``^^``, ``^]``, ``^D``), mnemonics (``<RS>``, ``{GS}``, ...), and one
    character of the scanner's choosing, read from the fixed header itself: ``[)>`` x ``06`` y means x is RS
    and y is GS (a trailing x is RS, a trailing x plus one more symbol is RS EOT). An AIM symbology prefix
    (``]d2``) before the header is dropped. A label whose control characters were dropped altogether is left
    as it is: InvenTree finds it only as a linked barcode, whose hash ignores control characters.
    """
    stripped = _AIM_PREFIX.sub("", code)
    if not stripped.startswith("[)>"):
        return code
    if stripped.startswith(ECIA_HEADER):
        return stripped
    rest = stripped[3:]
    first = _SUBSTITUTE.match(rest)
    if first and _SUBSTITUTES[first.group().upper()] == RS and rest[first.end() : first.end() + 2] == "06":
        return "[)>" + _SUBSTITUTE.sub(lambda m: _SUBSTITUTES[m.group().upper()], rest)
    if len(rest) > 4 and rest[1:3] == "06" and _symbol(rest[0]) and _symbol(rest[3]):
        rs, gs, body = rest[0], rest[3], rest[4:]
        trailer = ""
        if body.endswith(rs):
            body, trailer = body[:-1], RS
        elif len(body) > 1 and body[-2] == rs and _symbol(body[-1]) and body[-1] != gs:
            body, trailer = body[:-2], RS + EOT
        return ECIA_HEADER + body.replace(gs, GS) + trailer
    return stripped


def _symbol(ch: str) -> bool:
    return ch.isprintable() and not ch.isalnum() and not ch.isspace()
