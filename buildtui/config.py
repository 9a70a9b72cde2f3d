"""Configuration: flags > environment > config file (TOML, written 0600).

Environment names are those of InvenTree's own Python client.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .paths import config_path


class ConfigError(Exception):
    """A broken config file or value: the CLI prints it as one line and exits 2."""


@dataclass(frozen=True)
class Config:
    server: str = ""
    token: str = ""
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    poll_interval: float = 10.0
    scan_gap_ms: float = 80.0  # scanner: most ms between the keys of a burst; 0 turns detection off (README)
    scan_min_length: int = 4
    bell: bool = True
    theme: str = "textual-dark"
    ca_bundle: str = ""
    verify_tls: bool = True

    def __repr__(self) -> str:  # never print secrets
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("token", "password")}
        return f"Config({shown}, token={'set' if self.token else 'unset'})"

    @property
    def verify(self) -> bool | str:
        if not self.verify_tls:
            return False
        return self.ca_bundle or True


ENV = {
    "server": "INVENTREE_API_HOST",
    "token": "INVENTREE_API_TOKEN",
    "username": "INVENTREE_API_USERNAME",
    "password": "INVENTREE_API_PASSWORD",
    "timeout": "INVENTREE_API_TIMEOUT",
}


_ZERO_ALLOWED = frozenset({"scan_gap_ms"})  # 0 = scanner burst detection off (use the F2 scan field)
_POSITIVE_INTS = frozenset({"scan_min_length"})


def _coerce(name: str, value: Any, source: str) -> Any:
    kind = {f.name: f.type for f in fields(Config)}[name]
    try:
        if kind == "float":
            number = float(value)
            if number <= 0 and not (name in _ZERO_ALLOWED and number == 0):
                raise ValueError
            if name in _ZERO_ALLOWED and not math.isfinite(number):
                raise ValueError
            return number
        if kind == "int":
            count = int(value)
            if name in _POSITIVE_INTS and count < 1:
                raise ValueError
            return count
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} has an invalid value {str(value)[:40]!r}") from None


def read_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    known = {f.name for f in fields(Config)}
    out = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"config file {path}: unknown setting {key!r}")
        out[key] = _coerce(key, value, f"config file {path}")
    return out


def load(
    flags: dict[str, Any] | None = None, path: Path | None = None, environ: dict[str, str] | None = None
) -> Config:
    env = os.environ if environ is None else environ
    values: dict[str, Any] = dict(read_file(path))
    for name, var in ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var], f"environment {var}")
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return Config(**values)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def save(updates: dict[str, Any], path: Path | None = None) -> Path:
    """Merge ``updates`` into the config file, written with mode 0600 (it may hold the token)."""
    path = path or config_path()
    current = read_file(path) if path.exists() else {}
    current.update({k: v for k, v in updates.items() if v is not None})
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(current.items()))
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **changes)


def insecure_warning(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme != "http" or not parsed.hostname:
        return None
    host = parsed.hostname
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return f"warning: {host} is reached over plain http; the token crosses the network unencrypted. Use https."
