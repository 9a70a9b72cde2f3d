"""The command line: version, help, bad flags and broken config give one line and exit 2."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from buildtui import config as config_mod
from buildtui.cli import main
from buildtui.config import insecure_warning
from buildtui.signin import token_name
from buildtui.simulator import SimulatorServer
from tests import web
from tests.conftest import build_count, get_token


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_version_and_help() -> None:
    """`buildtui --version` names the program; `--help` lists --demo, login and simulator."""
    assert run("--version").stdout.startswith("buildtui ")
    out = run("--help").stdout
    assert "--demo" in out and "login" in out and "simulator" in out


def test_bad_flag_is_one_line_exit_2() -> None:
    """An unknown flag prints one line naming it, exit status 2, no traceback."""
    r = run("--bogus")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "unrecognized arguments: --bogus" in r.stderr
    assert "Traceback" not in r.stderr


def test_broken_config_is_one_line_exit_2(tmp_path: Path) -> None:
    """A config file that is not TOML, or a negative --timeout, is one line naming the problem, exit status 2."""
    bad = tmp_path / "config.toml"
    bad.write_text("server = [unclosed\n")
    r = run("--server", "http://127.0.0.1:9", env={"BUILDTUI_CONFIG": str(bad)})
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr
    r = run("--timeout", "-3", env={"BUILDTUI_CONFIG": str(tmp_path / "none.toml")})
    assert r.returncode == 2 and "timeout" in r.stderr


def test_no_server_configured(tmp_path: Path) -> None:
    """With no server configured, `buildtui` exits 2 and suggests `buildtui --demo`."""
    r = run(env={"BUILDTUI_CONFIG": str(tmp_path / "none.toml")})
    assert r.returncode == 2 and "buildtui --demo" in r.stderr


def test_precedence_flags_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A flag beats the environment, which beats the config file."""
    path = tmp_path / "c.toml"
    path.write_text('server = "http://file"\ntimeout = 3.0\n')
    env = {"INVENTREE_API_HOST": "http://env", "INVENTREE_API_TIMEOUT": "7"}
    assert config_mod.load({}, path, env).server == "http://env"
    assert config_mod.load({"server": "http://flag"}, path, env).server == "http://flag"
    assert config_mod.load({}, path, {}).timeout == 3.0
    assert config_mod.load({}, path, env).timeout == 7.0


def test_saved_config_is_private_and_token_not_in_repr(tmp_path: Path) -> None:
    """The saved config file is readable by its owner only, and the token never shows in the config's repr."""
    path = config_mod.save({"server": "http://x", "token": "inv-abcdef0123456789-20260101"}, tmp_path / "c.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cfg = config_mod.load({}, path, {})
    assert cfg.token.startswith("inv-") and "abcdef" not in repr(cfg)


def test_login_stores_token(server: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`buildtui login` asks for the password and saves the token, the server and the token's user, privately."""
    cfg = tmp_path / "c.toml"
    monkeypatch.setenv("BUILDTUI_CONFIG", str(cfg))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "inventree")
    main(["login", "--server", server.url, "--username", "admin"])
    saved = config_mod.load({}, cfg, {})
    assert saved.token.startswith("inv-") and saved.server == server.url
    assert saved.username == "admin"  # the stored username is the token's user
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_login_failure(server: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`buildtui login` with a wrong password exits with status 1."""
    monkeypatch.setenv("BUILDTUI_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "wrong")
    with pytest.raises(SystemExit) as exc:
        main(["login", "--server", server.url, "--username", "admin"])
    assert exc.value.code == 1


def test_plain_http_warning() -> None:
    """A plain-http server elsewhere gets a warning; localhost and https do not."""
    assert insecure_warning("http://inventree.example.com") is not None
    assert insecure_warning("http://127.0.0.1:8000") is None
    assert insecure_warning("https://inventree.example.com") is None


def test_log_redaction() -> None:
    """Tokens and passwords never reach the log file."""
    from buildtui.logs import redact

    line = redact("GET with Authorization: Token inv-0123456789abcdef0123-20260101 password=hunter22")
    assert "0123456789abcdef" not in line and "hunter22" not in line


def test_inventree_official_client_works(server: SimulatorServer) -> None:
    """InvenTree's own Python client (PyPI inventree) against the simulator: list, get, issue, hold,
    create and complete outputs, finish, cancel."""
    from inventree.api import InvenTreeAPI
    from inventree.build import Build

    api = InvenTreeAPI(server.url, username="admin", password="inventree", use_token_auth=True, verbose=False)
    builds = Build.list(api)
    assert len(builds) == build_count(server.url)
    b = Build(api, pk=11)
    assert b.reference == "BO-0011"
    b.issue()
    b.reload()
    assert b.status == 20
    b.hold()
    b.reload()
    assert b.status == 25
    b.issue()
    b.createBuildOutput(quantity=5) if hasattr(b, "createBuildOutput") else api.post(
        "/api/build/11/create-output/", {"quantity": 5}
    )
    outputs = api.get("/api/stock/", params={"build": 11, "is_building": "true"})
    api.post("/api/build/11/complete/", {"outputs": [{"output": outputs[0]["pk"]}], "location": 7})
    server.sim.tasks.wait_idle(10)  # API 530 completes outputs in its worker
    b.finish(
        accept_unallocated=True, accept_incomplete=True
    ) if "accept_unallocated" in b.finish.__code__.co_varnames else api.post(
        "/api/build/11/finish/", {"accept_unallocated": True, "accept_incomplete": True}
    )
    server.sim.tasks.wait_idle(10)  # and sets "complete" there too
    b.reload()
    assert b.status == 40
    Build(api, pk=12).cancel() if hasattr(Build, "cancel") else api.post("/api/build/12/cancel/", {})
    assert Build(api, pk=12).status == 30


class TestSignInAtStart:
    """`buildtui`'s start-up decision: which token the app starts with (cli.sign_in_at_start)."""

    def env(
        self, server: SimulatorServer, user: str = "reader", password: str = "readonly", **more: str
    ) -> dict[str, str]:
        return {
            "INVENTREE_API_HOST": server.url,
            "INVENTREE_API_USERNAME": user,
            "INVENTREE_API_PASSWORD": password,
            **more,
        }

    def test_environment_credentials_get_a_token_that_is_not_stored(
        self, server: SimulatorServer, tmp_path: Path
    ) -> None:
        """Username and password in the environment, no token: a working token for that user, nothing written."""
        from buildtui.cli import sign_in_at_start

        path = tmp_path / "c.toml"
        env = self.env(server)
        cfg = sign_in_at_start(config_mod.load({}, path, env), environ=env)
        assert cfg.username == "reader" and cfg.token.startswith("inv-")
        assert who(server.url, cfg.token) == "reader"
        assert ("GET", "/api/user/token/?name=" + quote(token_name())) in server.sim.log
        assert not path.exists()

    def test_environment_wins_over_a_token_stored_for_someone_else(
        self, server: SimulatorServer, tmp_path: Path
    ) -> None:
        """A kiosk's service file names reader; a token stored earlier for admin is not used."""
        from buildtui.cli import sign_in_at_start

        path = config_mod.save(
            {"server": server.url, "token": get_token(server.url), "username": "admin"}, tmp_path / "c.toml"
        )
        env = self.env(server)
        cfg = sign_in_at_start(config_mod.load({}, path, env), environ=env)
        assert who(server.url, cfg.token) == "reader" and cfg.username == "reader"
        assert config_mod.load({}, path, {}).username == "admin"  # the file is left as it was

    def test_an_explicit_token_is_used_as_given(self, server: SimulatorServer, tmp_path: Path) -> None:
        """--token (or INVENTREE_API_TOKEN) wins over username and password, as in InvenTree's client: no
        sign-in request is made."""
        from buildtui.cli import sign_in_at_start

        env = self.env(server, INVENTREE_API_TOKEN="inv-given")
        before = len(server.sim.log)
        cfg = sign_in_at_start(config_mod.load({}, tmp_path / "c.toml", env), environ=env)
        assert cfg.token == "inv-given" and len(server.sim.log) == before
        env = self.env(server)
        cfg = sign_in_at_start(
            config_mod.load({"token": "inv-flag"}, tmp_path / "c.toml", env), token_flag=True, environ=env
        )
        assert cfg.token == "inv-flag" and len(server.sim.log) == before

    def test_no_credentials_keeps_the_stored_token(self, server: SimulatorServer, tmp_path: Path) -> None:
        """Without a password anywhere, the stored token is used as it is (and a missing one opens the dialog)."""
        from buildtui.cli import sign_in_at_start

        path = config_mod.save({"server": server.url, "token": "inv-stored", "username": "admin"}, tmp_path / "c.toml")
        env = {"INVENTREE_API_USERNAME": "reader"}
        cfg = sign_in_at_start(config_mod.load({}, path, env), environ=env)
        assert cfg.token == "inv-stored"

    def test_refused_credentials_are_one_line_without_the_password(
        self, server: SimulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A wrong password in the environment: one line naming the user and the variables, exit 1; the
        password is neither printed nor logged."""
        from buildtui.cli import sign_in_at_start
        from buildtui.logs import setup_logging

        log_file = setup_logging()
        env = self.env(server, password="hunter2-wrong")
        with pytest.raises(SystemExit) as exc:
            sign_in_at_start(config_mod.load({}, tmp_path / "c.toml", env), environ=env)
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "reader" in err and "INVENTREE_API_PASSWORD" in err
        assert "hunter2" not in err and "Traceback" not in err
        assert "hunter2" not in Path(log_file).read_text()

    def test_unreachable_server_starts_without_a_token(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The server cannot be reached yet: one line, and the app starts (it signs in when the server answers)."""
        from buildtui.cli import sign_in_at_start

        env = {
            "INVENTREE_API_HOST": "http://127.0.0.1:9",
            "INVENTREE_API_USERNAME": "reader",
            "INVENTREE_API_PASSWORD": "readonly",
        }
        cfg = sign_in_at_start(config_mod.load({"timeout": 2}, tmp_path / "c.toml", env), environ=env)
        assert cfg.token == "" and cfg.username == "reader" and cfg.password == "readonly"
        err = capsys.readouterr().err
        assert "could not sign in as reader yet" in err and "starting anyway" in err and "readonly" not in err


def who(url: str, token: str) -> str:

    r = web.get(url + "/api/user/me/", headers={"Authorization": f"Token {token}"})
    r.raise_for_status()
    return str(r.json()["username"])
