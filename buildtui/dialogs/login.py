"""Sign in over the current screen when the server answers 401."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from ..api import InvenTreeClient
from ..widgets.safe import clean
from .form import FormDialog, field


class LoginDialog(FormDialog[str]):
    TITLE_TEXT = "Sign in to InvenTree"
    SUBMIT_LABEL = "Sign in"
    INITIAL_FOCUS = "#username"

    def __init__(self, client: InvenTreeClient, reason: str = "", server: str = "") -> None:
        super().__init__()
        self.client = client
        self.reason = reason
        self.server = server or client.base_url

    def compose_fields(self) -> ComposeResult:
        yield Static(Content(f"{clean(self.server)} asks you to sign in"
                             + (f" ({clean(self.reason)})." if self.reason else ".")))
        yield from field("Username", Input(id="username", max_length=150), "username")
        yield from field("Password", Input(id="password", password=True, max_length=500), "password")

    def validate_local(self) -> dict[str, list[str]]:
        errors = {}
        if not self.query_one("#username", Input).value.strip():
            errors["username"] = ["Enter your username."]
        if not self.query_one("#password", Input).value:
            errors["password"] = ["Enter your password."]
        return errors

    async def send(self) -> str:
        return await self.client.get_token(self.query_one("#username", Input).value.strip(),
                                           self.query_one("#password", Input).value)
