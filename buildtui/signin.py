"""Signing in without Textual: which credentials to use, a token from them, and what the config file keeps.

The rules (README, "Connecting to a real InvenTree"):

- A token given explicitly (``--token`` or ``INVENTREE_API_TOKEN``) is used as it is, as InvenTree's own
  Python client does ("if a token is provided, username/password are ignored").
- Otherwise ``INVENTREE_API_USERNAME`` and ``INVENTREE_API_PASSWORD`` in the environment win over a token
  stored in the config file: the environment is the more specific source (flags > environment > file), and a
  kiosk's service file that names a user must not be overridden by a token some other person stored.
  A token is got from them with ``GET /api/user/token/`` and HTTP Basic auth, as the Python client does.
- With the password in the environment, buildtui writes no token and no username to the config file:
  the environment is the source of truth and gets a token again at every start (InvenTree hands back the
  same token for the same name while it is valid). A stored token would otherwise outlive the service file
  and run the next plain ``buildtui`` as whoever the environment named.
- Whenever a token is stored, the username it belongs to is stored with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .api import InvenTreeClient
from .config import ENV, Config

ENV_USERNAME = ENV["username"]
ENV_PASSWORD = ENV["password"]
ENV_TOKEN = ENV["token"]


@dataclass(frozen=True)
class Credentials:
    """A username and password to get a token with; the password never appears in ``repr()``."""

    username: str
    password: str = field(repr=False)
    source: str = "environment"  # or "config file"

    @property
    def origin(self) -> str:
        """Where they came from, in words an operator can act on."""
        if self.source == "environment":
            return f"{ENV_USERNAME} and {ENV_PASSWORD}"
        return "the username and password in the config file"


def token_name() -> str:
    """The name buildtui's tokens carry on the server (the same as ``buildtui login`` uses)."""
    return f"buildtui@{os.uname().nodename}"


def password_in_environment(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get(ENV_PASSWORD))


def stores_tokens(environ: Mapping[str, str] | None = None) -> bool:
    """False when the password comes from the environment: then tokens are got afresh and never written."""
    return not password_in_environment(environ)


def configured(config: Config, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The username and password the configuration holds, if both are there."""
    if not (config.username and config.password):
        return None
    source = "environment" if password_in_environment(environ) else "config file"
    return Credentials(config.username, config.password, source)


def startup_credentials(
    config: Config, *, token_flag: bool = False, environ: Mapping[str, str] | None = None
) -> Credentials | None:
    """Credentials to get a token with before the app starts, or None to start with ``config.token`` as it is."""
    env = os.environ if environ is None else environ
    if token_flag or env.get(ENV_TOKEN):
        return None
    creds = configured(config, env)
    if creds is None:
        return None
    if creds.source == "environment" and env.get(ENV_USERNAME):
        return creds  # the environment names the user: it wins over a token stored in the file
    return None if config.token else creds


async def fetch_token(config: Config, creds: Credentials) -> str:
    """``GET /api/user/token/?name=buildtui@host`` with HTTP Basic auth (what InvenTree's client does)."""
    async with InvenTreeClient(config.server, timeout=config.timeout, verify=config.verify) as client:
        return await client.get_token(creds.username, creds.password, name=token_name())


def switched_user(before: str, after: str) -> str | None:
    """The one line to show when a sign-in changed who the app runs as, or None when it did not."""
    if not before or before == after:
        return None
    return f"Signed in as {after} (was {before})"
