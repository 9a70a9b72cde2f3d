"""The start-up requests, sent before Textual is even imported.

Importing Textual and building the first screen take most of a launch (~200 ms here). The session
facts (version, user, roles, status codes) and the first page of the list do not need any of it, so
``EarlyFetch`` sends them on a thread of its own, with its own short-lived client, while the main
thread goes on importing; the store picks the answers up when the list screen asks. The thread mostly
waits on the network, and it does not need httpx: plain sockets carry these few GETs (``BlockingSender``),
and httpx is imported in the background once the rows are drawn. A failure among the early answers goes
through the store's usual error handling (sign-in, offline, old server) as if it had just happened, so a
dead server is not waited for twice; an answer the sockets could not read is asked again through httpx.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from ..api import BuildQuery, InvenTreeClient
from ..api.client import HEADERS
from ..api.models import Build, CurrentUser, Page, Roles, ServerInfo, StatusCodes
from ..api.transport import BlockingSender, plain_route


@dataclass
class EarlyAnswers:
    info: ServerInfo | BaseException
    user: CurrentUser | BaseException
    roles: Roles | BaseException
    codes: StatusCodes | BaseException
    page: Page[Build] | BaseException

    def session_error(self) -> BaseException | None:
        """The first failure among the session answers, the version check first (an old server may not
        know the others)."""
        return next((v for v in (self.info, self.user, self.roles, self.codes) if isinstance(v, BaseException)),
                    None)


class EarlyFetch:
    def __init__(self, server: str, token: str | None, *, query: BuildQuery, limit: int, timeout: float,
                 verify: Any) -> None:
        self.query = query
        self.limit = limit
        # Plain sockets carry these, so that httpx need not be imported before the first rows are drawn
        # (api/transport.py); through a proxy, httpx sends them as it always does.
        sender = BlockingSender(server.rstrip("/"), headers=HEADERS, timeout=timeout,
                                verify=verify) if plain_route() else None
        self._client = InvenTreeClient(server, token, timeout=timeout, verify=verify, get_retries=0, sender=sender)
        self._answers: EarlyAnswers | None = None
        self._thread = threading.Thread(target=self._run, name="buildtui-early-fetch", daemon=True)

    def start(self) -> EarlyFetch:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._answers = asyncio.run(self._fetch())
        except BaseException:  # noqa: BLE001 - any failure: the app asks again the normal way
            self._answers = None

    async def _fetch(self) -> EarlyAnswers:
        async with self._client as c:
            got = await asyncio.gather(c.connect(), c.me(), c.roles(), c.build_status_codes(),
                                       c.list_builds(self.query, limit=self.limit), return_exceptions=True)
        return EarlyAnswers(*got)

    def wait(self) -> EarlyAnswers | None:
        """The answers (None when the whole attempt failed); blocks until the thread is done."""
        self._thread.join()
        return self._answers

    async def answers(self) -> EarlyAnswers | None:
        if not self._thread.is_alive():
            return self._answers
        return await asyncio.to_thread(self.wait)
