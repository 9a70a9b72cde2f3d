"""Sign in over the current screen when the server answers 401."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from ..signin import token_name
from ..state import Store
from ..widgets.safe import clean
from .form import FormDialog, field


@dataclass(frozen=True)
class SignedIn:
    """What a successful sign-in answers with: the token and the user it belongs to."""

    username: str
    token: str = dc_field(repr=False)


class LoginDialog(FormDialog[SignedIn]):
    """Prefilled with the username the app knows (then the cursor is in Password)."""

    TITLE_TEXT = "Sign in to InvenTree"
    SUBMIT_LABEL = "Sign in"
    INITIAL_FOCUS = "#username"

    def __init__(self, store: Store, reason: str = "", server: str = "", username: str = "") -> None:
        super().__init__()
        self.store = store
        self.reason = reason
        self.server = server or store.base_url
        self.username = username
        if username:
            self.INITIAL_FOCUS = "#password"

    def compose_fields(self) -> ComposeResult:
        yield Static(
            Content(f"{clean(self.server)} asks you to sign in" + (f" ({clean(self.reason)})." if self.reason else "."))
        )
        yield from field("Username", Input(self.username, id="username", max_length=150), "username")
        yield from field("Password", Input(id="password", password=True, max_length=500), "password")

    def validate_local(self) -> dict[str, list[str]]:
        errors = {}
        if not self.query_one("#username", Input).value.strip():
            errors["username"] = ["Enter your username."]
        if not self.query_one("#password", Input).value:
            errors["password"] = ["Enter your password."]
        return errors

    async def send(self) -> SignedIn:
        username = self.query_one("#username", Input).value.strip()
        token = await self.store.sign_in(username, self.query_one("#password", Input).value, token_name())
        return SignedIn(username, token)
