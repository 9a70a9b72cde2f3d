"""The scanner detector on its own: keys with explicit read times, as Textual's own input parser makes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual._time import get_time
from textual._xterm_parser import XTermParser

from buildtui.scan_detector import (
    EOT,
    GS,
    RS,
    Kind,
    Replay,
    Scan,
    ScanDetector,
    classify,
    restore_controls,
)

#: The DigiKey label of the scanning semantics document (§2.6), as the scanner's bytes.
DIGIKEY = (
    "[)>\x1e06\x1dP296-LM358BIDDFRCT-ND\x1d1PLM358BIDDFR\x1dK\x1d1K72991337\x1d10K85781337\x1d11K1\x1d4LPH"
    "\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337\x1d20Z0000000000\x1e\x04"
)
#: The Mouser label of InvenTree's own supplier-barcode tests.
MOUSER = "[)>\x1e06\x1dKP0-1337\x1d14K011\x1d1PMC34063ADR\x1dQ3\x1d11K073121337\x1d4LMX\x1d1VTI\x1e\x04"
WITHOUT_CONTROLS = "".join(ch for ch in DIGIKEY if ch.isprintable())

GAP = 0.08


def parse(data: str) -> list[events.Key]:
    """The key events Textual 8.2.8 makes of these terminal bytes."""
    parser = XTermParser()
    return [e for e in [*parser.feed(data), *parser.tick()] if isinstance(e, events.Key)]


def run(
    data: str, per_key: float, *, start: float = 100.0, detector: ScanDetector[events.Key] | None = None
) -> tuple[list[Replay[events.Key] | Scan], ScanDetector[events.Key]]:
    """Feed the keys of ``data`` read ``per_key`` seconds apart; then let the line go quiet."""
    d = detector or ScanDetector(gap=GAP, min_length=4)
    out: list[Replay[events.Key] | Scan] = []
    at = start
    for event in parse(data):
        out += d.key(event, event.key, event.character, at)
        at += per_key
    out += d.expire(at + GAP)
    return out, d


def scans(actions: list[Replay[events.Key] | Scan]) -> list[str]:
    return [a.code for a in actions if isinstance(a, Scan)]


def replayed(actions: list[Replay[events.Key] | Scan]) -> list[str]:
    return [a.event.key for a in actions if isinstance(a, Replay)]


class TestWhatTextualDelivers:
    @pytest.mark.parametrize(
        "data, key, character",
        [
            ("\x1e", "ctrl+circumflex_accent", RS),  # a plain terminal: the byte itself
            ("\x1d", "ctrl+right_square_bracket", GS),
            ("\x04", "ctrl+d", EOT),
            ("\x1b[94;5u", "ctrl+circumflex_accent", None),  # kitty keyboard protocol (Textual turns it on)
            ("\x1b[93;5u", "ctrl+right_square_bracket", None),
            ("\x1b[100;5u", "ctrl+d", None),
            ("\x1b[54;5u", "ctrl+6", None),  # the wedge pressed Ctrl+6 for RS
            ("\x1b[27;5;93~", "ctrl+right_square_bracket", "]"),  # xterm modifyOtherKeys: a printable character!
        ],
    )
    def test_parser_names(self, data: str, key: str, character: str | None) -> None:
        """The chords a wedge types for RS, GS and EOT arrive under these names, in every keyboard mode."""
        (event,) = parse(data)
        assert (event.key, event.character) == (key, character)
        assert classify(event.key, event.character)[1] in (RS, GS, EOT)

    def test_kinds(self) -> None:
        """Printable keys are text, Enter/Tab/LF end a burst, modified keys and arrows are other keys."""
        assert classify("A", "A") == (Kind.TEXT, "A")
        assert classify("left_curly_bracket", "{") == (Kind.TEXT, "{")
        assert classify("space", " ") == (Kind.TEXT, " ")
        assert classify("ctrl+d", "\x04") == (Kind.EOT, EOT)
        assert [classify(e.key, e.character)[0] for e in parse("\r\t\n")] == [Kind.END] * 3
        assert classify("down", None)[0] is Kind.OTHER
        assert classify("alt+a", "a")[0] is Kind.OTHER

    def test_event_time_is_the_apps_clock(self) -> None:
        """Key.time and the clock the app compares it with are the same clock (Textual's own get_time)."""
        assert abs(events.Key("a", "a").time - get_time()) < 0.05


class TestBursts:
    @pytest.mark.parametrize("label", [DIGIKEY, MOUSER])
    def test_ecia_label_is_one_scan_with_its_control_characters(self, label: str) -> None:
        """An ECIA DataMatrix label typed by a wedge (ctrl+^ / ctrl+] / ctrl+d) is one scan, bytes intact."""
        out, d = run(label, 0.004)
        assert scans(out) == [label] and replayed(out) == [] and not d.held

    def test_enter_after_eot_is_swallowed(self) -> None:
        """A wedge that adds Enter after the EOT: the Enter does not press the focused button."""
        out, _ = run(DIGIKEY + "\r", 0.004)
        assert scans(out) == [DIGIKEY] and replayed(out) == []

    def test_label_without_control_characters_and_without_terminator(self) -> None:
        """A wedge that drops the control characters and sends no Enter: one scan once the line is quiet."""
        out, _ = run(WITHOUT_CONTROLS, 0.004)
        assert scans(out) == [WITHOUT_CONTROLS] and replayed(out) == []

    @pytest.mark.parametrize("per_key", [0.001, 0.05, 0.06])
    def test_slow_scanner_is_one_scan(self, per_key: float) -> None:
        """A scanner at 1, 50 or 60 ms per key: one scan, nothing acted on."""
        out, _ = run("INV-SI13\r", per_key)
        assert scans(out) == ["INV-SI13"] and replayed(out) == []

    def test_person_at_120_ms_is_never_a_scan(self) -> None:
        """A person typing at 120 ms per key: every key handed on, in order, none held past the gap."""
        d: ScanDetector[events.Key] = ScanDetector(gap=GAP, min_length=4)
        keys = parse("ACNDF-123\r")
        handed: list[str] = []
        for i, event in enumerate(keys):
            at = 100 + i * 0.12
            handed += replayed(d.key(event, event.key, event.character, at))
            assert d.deadline is None or d.deadline == pytest.approx(at + GAP)  # at most the gap late
            handed += replayed(d.expire(at + GAP + 0.001))
            assert not d.held
        assert handed == [e.key for e in keys]

    def test_short_fast_burst_is_typing(self) -> None:
        """Three quick keys and Enter (a quantity typed fast) are handed on, Enter included."""
        out, _ = run("25\r", 0.03)
        assert scans(out) == [] and replayed(out) == ["2", "5", "enter"]

    def test_control_key_outside_a_burst_is_an_ordinary_key(self) -> None:
        """ctrl+d pressed on its own is not held: it reaches the screen at once."""
        d: ScanDetector[events.Key] = ScanDetector(gap=GAP)
        (event,) = parse("\x04")
        assert replayed(d.key(event, event.key, event.character, 5.0)) == ["ctrl+d"]

    def test_other_key_ends_a_burst(self) -> None:
        """An arrow key right after a scan is the scanner's suffix (swallowed); after two keys it is typing."""
        out, _ = run("INV-BO3\x1b[B", 0.004)
        assert scans(out) == ["INV-BO3"] and replayed(out) == []
        out, _ = run("ab\x1b[B", 0.004)
        assert scans(out) == [] and replayed(out) == ["a", "b", "down"]

    def test_keys_read_late_keep_their_gaps(self) -> None:
        """Keys that queued while the loop was busy carry their read times: the burst is not split."""
        d: ScanDetector[events.Key] = ScanDetector(gap=GAP, min_length=4)
        keys = parse("INV-SI1\r")
        first = keys[0]
        assert d.key(first, first.key, first.character, 10.0) == []
        assert d.expire(10.0 + GAP / 2) == []  # a timer that looks too early finds the burst still open
        out: list[Replay[events.Key] | Scan] = []
        for i, event in enumerate(keys[1:], start=1):
            out += d.key(event, event.key, event.character, 10.0 + i * 0.005)  # handled 300 ms later
        assert scans(out) == ["INV-SI1"] and replayed(out) == []

    def test_disabled(self) -> None:
        """scan_gap_ms = 0 turns detection off."""
        assert not ScanDetector(gap=0).enabled


class TestSubstitutes:
    @pytest.mark.parametrize(
        "rs, gs, eot",
        [("^^", "^]", "^D"), ("<RS>", "<GS>", "<EOT>"), ("{rs}", "{gs}", "{eot}"), ("~", "|", "!"), ("~", "|", "")],
    )
    def test_wedge_substitutes_become_the_real_bytes(self, rs: str, gs: str, eot: str) -> None:
        """A wedge set up to send RS/GS/EOT as text: the code sent to the server has the real bytes again."""
        typed = DIGIKEY.replace(RS, rs).replace(GS, gs).replace(EOT, eot)
        expected = DIGIKEY if eot else DIGIKEY[:-1]  # no EOT sent: the label ends with RS (the server's trailer)
        assert restore_controls(typed) == expected

    def test_substitutes_arrive_as_one_scan(self) -> None:
        """Caret-notation substitutes typed by the wedge: one scan, and the code carries the real bytes."""
        out, _ = run(DIGIKEY.replace(RS, "^^").replace(GS, "^]").replace(EOT, "^D") + "\r", 0.004)
        assert scans(out) == [DIGIKEY]

    def test_aim_prefix_dropped_before_an_ecia_header(self) -> None:
        """A scanner's AIM prefix (]d2) before an ECIA label is dropped: the server gets the label as printed."""
        assert restore_controls("]d2" + DIGIKEY) == DIGIKEY

    @pytest.mark.parametrize("code", ["INV-SI1", '{"stockitem": 3}', WITHOUT_CONTROLS, "]d2ABC", "a^^06^]b"])
    def test_other_codes_unchanged(self, code: str) -> None:
        """Only an ECIA header tells what the substitutes are: other codes go to the server as scanned."""
        assert restore_controls(code) == code


class TestEcho:
    def test_remains_of_a_split_scan_are_dropped(self) -> None:
        """A stall of 100 ms inside a scan splits it; the short rest is never handed on as shortcuts."""
        d: ScanDetector[events.Key] = ScanDetector(gap=GAP, min_length=4)
        out: list[Replay[events.Key] | Scan] = []
        at = 0.0
        for i, event in enumerate(parse("INV-SI13ACN\r")):
            at += 0.1 if i == 8 else 0.005  # the machine stalls before 'A'
            out += d.key(event, event.key, event.character, at)
        out += d.expire(at + 1)
        assert scans(out) == ["INV-SI13"] and replayed(out) == []

    def test_keys_after_the_echo_are_typing_again(self) -> None:
        """A key pressed 2 gaps after a scan is a person's key again."""
        d: ScanDetector[events.Key] = ScanDetector(gap=GAP, min_length=4)
        out, _ = run("INV-BO3\r", 0.005, start=0.0, detector=d)
        (c,) = parse("C")
        late = 7 * 0.005 + 2 * GAP + 0.01
        out = d.key(c, c.key, c.character, late) + d.expire(late + 1)
        assert replayed(out) == ["C"]


class TestSettings:
    def test_default_and_zero_from_the_config_file(self, tmp_path: Path) -> None:
        """The default gap is 80 ms; scan_gap_ms = 0 in the file turns detection off (it was refused before)."""
        from buildtui import config

        assert config.Config().scan_gap_ms == 80.0
        path = tmp_path / "config.toml"
        path.write_text("scan_gap_ms = 0\nscan_min_length = 6\n")
        loaded = config.load(path=path, environ={})
        assert (loaded.scan_gap_ms, loaded.scan_min_length) == (0.0, 6)

    @pytest.mark.parametrize("line", ["scan_gap_ms = -5", "scan_gap_ms = inf", "scan_min_length = 0"])
    def test_bad_values_are_one_line_errors(self, tmp_path: Path, line: str) -> None:
        """A negative or infinite gap, or a minimum length under 1, is a config error naming the setting."""
        from buildtui import config

        path = tmp_path / "config.toml"
        path.write_text(line + "\n")
        with pytest.raises(config.ConfigError, match=line.split()[0]):
            config.load(path=path, environ={})


def test_an_operators_key_right_after_a_scan_is_not_swallowed() -> None:
    """ctrl+z (undo the scan) or an arrow pressed within two gaps after a scan is the operator's: handed on.
    Only a terminator or control suffix there is the scanner's echo."""
    d: ScanDetector[events.Key] = ScanDetector(gap=GAP)
    at = 20.0
    for event in parse("INV-SI13\r"):
        d.key(event, event.key, event.character, at)
        at += 0.004
    (undo,) = parse("\x1a")
    assert replayed(d.key(undo, undo.key, undo.character, at + GAP / 2)) == ["ctrl+z"]
    (enter,) = parse("\r")
    assert replayed(d.key(enter, enter.key, enter.character, at + GAP)) == []
