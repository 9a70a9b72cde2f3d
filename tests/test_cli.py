"""The command line: version, help, bad flags and broken config give one line and exit 2."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from buildtui import config as config_mod
from buildtui.cli import insecure_warning, main


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "buildtui", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_version_and_help():
    assert run("--version").stdout.startswith("buildtui ")
    out = run("--help").stdout
    assert "--demo" in out and "login" in out and "simulator" in out


def test_bad_flag_is_one_line_exit_2():
    r = run("--bogus")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "unrecognized arguments: --bogus" in r.stderr
    assert "Traceback" not in r.stderr


def test_broken_config_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("server = [unclosed\n")
    r = run("--server", "http://127.0.0.1:9", env={"BUILDTUI_CONFIG": str(bad)})
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr
    r = run("--timeout", "-3", env={"BUILDTUI_CONFIG": str(tmp_path / "none.toml")})
    assert r.returncode == 2 and "timeout" in r.stderr


def test_no_server_configured(tmp_path):
    r = run(env={"BUILDTUI_CONFIG": str(tmp_path / "none.toml")})
    assert r.returncode == 2 and "buildtui --demo" in r.stderr


def test_precedence_flags_env_file(tmp_path, monkeypatch):
    path = tmp_path / "c.toml"
    path.write_text('server = "http://file"\ntimeout = 3.0\n')
    env = {"INVENTREE_API_HOST": "http://env", "INVENTREE_API_TIMEOUT": "7"}
    assert config_mod.load({}, path, env).server == "http://env"
    assert config_mod.load({"server": "http://flag"}, path, env).server == "http://flag"
    assert config_mod.load({}, path, {}).timeout == 3.0
    assert config_mod.load({}, path, env).timeout == 7.0


def test_saved_config_is_private_and_token_not_in_repr(tmp_path):
    path = config_mod.save({"server": "http://x", "token": "inv-abcdef0123456789-20260101"}, tmp_path / "c.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cfg = config_mod.load({}, path, {})
    assert cfg.token.startswith("inv-") and "abcdef" not in repr(cfg)


def test_login_stores_token(server, tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    monkeypatch.setenv("BUILDTUI_CONFIG", str(cfg))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "inventree")
    main(["login", "--server", server.url, "--username", "admin"])
    saved = config_mod.load({}, cfg, {})
    assert saved.token.startswith("inv-") and saved.server == server.url
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_login_failure(server, tmp_path, monkeypatch):
    monkeypatch.setenv("BUILDTUI_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "wrong")
    with pytest.raises(SystemExit) as exc:
        main(["login", "--server", server.url, "--username", "admin"])
    assert exc.value.code == 1


def test_plain_http_warning():
    assert insecure_warning("http://inventree.example.com") is not None
    assert insecure_warning("http://127.0.0.1:8000") is None
    assert insecure_warning("https://inventree.example.com") is None


def test_log_redaction():
    from buildtui.logs import redact

    line = redact("GET with Authorization: Token inv-0123456789abcdef0123-20260101 password=hunter22")
    assert "0123456789abcdef" not in line and "hunter22" not in line


def test_inventree_official_client_works(server):
    """InvenTree's own Python client (PyPI inventree) against the simulator: list, get, issue, hold,
    create and complete outputs, finish, cancel."""
    from inventree.api import InvenTreeAPI
    from inventree.build import Build

    api = InvenTreeAPI(server.url, username="admin", password="inventree", use_token_auth=True, verbose=False)
    builds = Build.list(api)
    assert len(builds) == 21
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
        "/api/build/11/create-output/", {"quantity": 5})
    outputs = api.get("/api/stock/", params={"build": 11, "is_building": "true"})
    api.post("/api/build/11/complete/", {"outputs": [{"output": outputs[0]["pk"]}], "location": 7})
    b.finish(accept_unallocated=True, accept_incomplete=True) if "accept_unallocated" in \
        b.finish.__code__.co_varnames else api.post("/api/build/11/finish/", {"accept_unallocated": True,
                                                                             "accept_incomplete": True})
    b.reload()
    assert b.status == 40
    Build(api, pk=12).cancel() if hasattr(Build, "cancel") else api.post("/api/build/12/cancel/", {})
    assert Build(api, pk=12).status == 30
