"""Signing in: credentials from the environment, the stored username following the token, switching user said
on screen, and a sign-in dialog prefilled with the known username. Pilot against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from textual.widgets import Input

from buildtui import config as config_mod
from buildtui.app import BuildTUI
from buildtui.cli import sign_in_at_start
from buildtui.config import Config
from buildtui.dialogs.login import LoginDialog
from buildtui.screens.build_list import BuildListScreen
from buildtui.simulator import SimulatorServer
from buildtui.widgets.keyed_table import KeyedTable
from buildtui.widgets.status_line import StatusLine
from tests import web
from tests.conftest import get_token, outstanding_in, settle


def config_file() -> Path:
    return Path(os.environ["BUILDTUI_CONFIG"])


def floor_app(cfg: Config) -> BuildTUI:
    """The app as `buildtui` starts it (it may write the config file), with test-friendly timings."""
    cfg = config_mod.with_overrides(cfg, poll_interval=3600.0, scan_gap_ms=0.0, bell=False)
    return BuildTUI(cfg)


def rows(app: BuildTUI) -> int:
    return len(app.screen.query_one("#builds", KeyedTable).row_keys)


def status(app: BuildTUI) -> str:
    return str(app.screen.query_one(StatusLine).render())


def notes(app: BuildTUI) -> list[str]:
    return [n.message for n in app._notifications]


def who(url: str, token: str) -> str:
    r = web.get(url + "/api/user/me/", headers={"Authorization": f"Token {token}"})
    r.raise_for_status()
    return str(r.json()["username"])


def token_requests(server: SimulatorServer) -> int:
    return sum(1 for m, p in server.sim.log if m == "GET" and p.startswith("/api/user/token/"))


class TestCredentialsFromTheEnvironment:
    async def test_environment_credentials_open_the_list_without_a_dialog(
        self, server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """INVENTREE_API_USERNAME/PASSWORD set, no token: the list opens signed in as that user, no dialog."""
        monkeypatch.setenv("INVENTREE_API_HOST", server.url)
        monkeypatch.setenv("INVENTREE_API_USERNAME", "operator")
        monkeypatch.setenv("INVENTREE_API_PASSWORD", "operator")
        # as `buildtui` does before the app starts (in a thread here: the test already runs an event loop)
        app = floor_app(await asyncio.to_thread(sign_in_at_start, config_mod.load({})))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)
            assert rows(app) == outstanding_in(server.sim)
            assert "operator" in status(app)
        assert not config_file().exists()  # the environment is the source of truth: nothing written

    async def test_expired_token_is_replaced_from_the_environment(
        self, server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A token that stops working mid-session: the app gets a new one with the environment's credentials
        and the list loads, without a dialog and without writing the token to the config file."""
        monkeypatch.setenv("INVENTREE_API_PASSWORD", "operator")
        cfg = Config(server=server.url, token="inv-expired", username="operator", password="operator")
        app = floor_app(cfg)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)
            assert rows(app) == outstanding_in(server.sim) and "operator" in status(app)
            assert token_requests(server) == 1
        assert not config_file().exists()

    async def test_refused_environment_credentials_open_a_prefilled_dialog(
        self, server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The environment's password is refused: the sign-in dialog says which credentials failed, with the
        username filled in and the cursor in Password."""
        monkeypatch.setenv("INVENTREE_API_USERNAME", "operator")
        monkeypatch.setenv("INVENTREE_API_PASSWORD", "not-the-password")
        cfg = Config(server=server.url, token="inv-expired", username="operator", password="not-the-password")
        app = floor_app(cfg)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, LoginDialog)
            said = " ".join(str(s.render()) for s in dialog.query("Static"))
            assert "INVENTREE_API_USERNAME and INVENTREE_API_PASSWORD did not work" in said
            assert "not-the-password" not in said
            assert dialog.query_one("#username", Input).value == "operator"
            assert app.focused is dialog.query_one("#password", Input)
            await pilot.press(*"operator", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen) and rows(app) == outstanding_in(server.sim)
        assert not config_file().exists()  # the password is in the environment: no token written


class TestStoredUsernameFollowsTheToken:
    async def test_signing_in_as_someone_else_is_said_and_stored(self, server: SimulatorServer) -> None:
        """A stored token for admin stops working; signing in as operator says "Signed in as operator (was
        admin)", and the config file then holds operator's token with username operator."""
        config_mod.save({"server": server.url, "token": "inv-expired", "username": "admin"})
        app = floor_app(config_mod.load({}))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, LoginDialog)
            username = dialog.query_one("#username", Input)
            assert username.value == "admin"  # the known username, the cursor waiting in Password
            assert app.focused is dialog.query_one("#password", Input)
            username.value = "operator"
            await pilot.press(*"operator", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen) and rows(app) == outstanding_in(server.sim)
            assert "Signed in as operator (was admin)" in notes(app)
            assert "operator" in status(app)
        stored = config_mod.load({})
        assert stored.username == "operator" and who(server.url, stored.token) == "operator"

    async def test_signing_in_again_as_the_same_user_says_nothing_more(self, server: SimulatorServer) -> None:
        """Signing in again as the same user stores the new token under the same name and shows no switch."""
        config_mod.save({"server": server.url, "token": "inv-expired", "username": "admin"})
        app = floor_app(config_mod.load({}))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LoginDialog)
            await pilot.press(*"inventree", "enter")
            await settle(pilot)
            assert isinstance(app.screen, BuildListScreen)
            assert not [n for n in notes(app) if "was admin" in n]
        stored = config_mod.load({})
        assert stored.username == "admin" and who(server.url, stored.token) == "admin"

    async def test_unknown_username_starts_in_the_username_field(self, server: SimulatorServer) -> None:
        """With no username known the dialog opens empty, the cursor in Username."""
        app = floor_app(Config(server=server.url, token="inv-expired"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, LoginDialog)
            assert dialog.query_one("#username", Input).value == ""
            assert app.focused is dialog.query_one("#username", Input)

    async def test_signed_in_user_is_what_the_dialog_offers_mid_session(self, server: SimulatorServer) -> None:
        """Mid-session the dialog offers the user the app runs as (from the server), not an older stored name."""
        token = get_token(server.url, "reader", "readonly")
        app = floor_app(Config(server=server.url, token=token, username="admin"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "reader" in status(app)
            app.client.set_token("inv-revoked-meanwhile")  # as if an administrator revoked it
            await pilot.press("ctrl+r")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, LoginDialog)
            assert dialog.query_one("#username", Input).value == "reader"


def test_credentials_are_not_in_the_repr() -> None:
    """The password never shows in a printed config or credentials object."""
    from buildtui.signin import Credentials

    assert "readonly" not in repr(Credentials("reader", "readonly"))
    assert "readonly" not in repr(Config(username="reader", password="readonly"))
