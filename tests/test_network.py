"""What the operator is told when the network is the problem: TLS, DNS, refused; and that TLS is verified."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui import config as config_mod
from buildtui.api import InvenTreeClient, RequestTimeout, Unreachable
from buildtui.api.client import HEADERS
from buildtui.api.transport import HttpxSender
from buildtui.simulator import SimulatorServer, build_simulator
from buildtui.widgets.keyed_table import KeyedTable
from tests.conftest import get_token, make_app, outstanding_in, settle, wait_for

OPENSSL = shutil.which("openssl")
#: the simulator over https, and the CA that signed its certificate
TLSServer = tuple[SimulatorServer, Path]


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it (as a site's own CA would issue)."""
    openssl = OPENSSL
    assert openssl is not None, "openssl is needed to make test certificates"

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=buildtui test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n"
    )
    run(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    )
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSServer]:
    if not OPENSSL:
        pytest.skip("openssl is needed to make test certificates")
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls"))
    srv = SimulatorServer(build_simulator(), certfile=str(cert), keyfile=str(key)).start()
    yield srv, ca
    srv.stop()


@pytest.fixture
def client_for() -> Callable[..., InvenTreeClient]:
    """The app's client, as the app makes it."""

    def make(url: str, **kw: Any) -> InvenTreeClient:
        return InvenTreeClient(url, **kw)

    return make


def tls_token(srv: SimulatorServer, ca: Path) -> str:
    r = httpx.get(
        srv.url + "/api/user/token/", auth=("admin", "inventree"), verify=ssl.create_default_context(cafile=str(ca))
    )
    return str(r.json()["token"])


class TestTLS:
    async def test_certificates_are_verified_by_default(
        self, client_for: Callable[..., InvenTreeClient], tls_server: TLSServer
    ) -> None:
        """A server whose certificate no known CA signed is refused: "TLS failed", why, and to set ca_bundle."""
        srv, _ = tls_server
        async with client_for(srv.url, get_retries=0) as c:
            with pytest.raises(Unreachable) as caught:
                await c.get_server_info()
        err = caught.value
        assert err.reason == "tls"
        assert f"TLS failed talking to {srv.url}" in str(
            err
        ) and "certificate could not be verified (unable to get local issuer certificate)" in str(err)
        assert "ca_bundle" in str(err)  # and what to do about it

    async def test_ca_bundle_from_the_config_file(
        self, client_for: Callable[..., InvenTreeClient], tls_server: TLSServer, tmp_path: Path
    ) -> None:
        """With the site's CA as ca_bundle in the config file, the same server answers."""
        srv, ca = tls_server
        path = tmp_path / "config.toml"
        path.write_text(f'server = "{srv.url}"\nca_bundle = "{ca}"\n')
        cfg = config_mod.load({}, path, {})
        assert cfg.verify == str(ca)
        async with client_for(srv.url, verify=cfg.verify) as c:
            info = await c.get_server_info()
        assert info.apiVersion >= 425

    async def test_the_app_says_tls_failed_then_works_with_the_bundle(self, tls_server: TLSServer) -> None:
        """The list says TLS failed and suggests ca_bundle, OFFLINE; started with the bundle, it shows the builds."""
        srv, ca = tls_server
        token = tls_token(srv, ca)
        app = make_app(srv.url, token)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            message = str(app.screen.query_one("#list-message").render())
            assert "TLS failed" in message and "ca_bundle" in message
            assert "OFFLINE" in str(app.screen.query_one("#status-line").render())
        app = make_app(srv.url, token, ca_bundle=str(ca))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert len(app.screen.query_one("#builds", KeyedTable).row_keys) == outstanding_in(srv.sim)

    async def test_plain_http_client_still_verifies_any_https(self, tls_server: TLSServer) -> None:
        """For http:// servers the CA bundle is not loaded (start-up time); https through it fails closed."""
        srv, _ = tls_server
        sender = HttpxSender("http://127.0.0.1:9", headers=HEADERS, timeout=10, verify=True)
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await sender._client.get(srv.url + "/api/")
        await sender.aclose()

    async def test_verification_can_be_turned_off_explicitly(
        self, client_for: Callable[..., InvenTreeClient], tls_server: TLSServer
    ) -> None:
        """verify_tls = false (asked for explicitly) lets the client talk to a server with an unknown CA."""
        srv, _ = tls_server
        async with client_for(srv.url, verify=config_mod.Config(verify_tls=False).verify) as c:
            assert (await c.get_server_info()).apiVersion >= 425


class TestUnreachable:
    async def test_dns_failure_named(self, client_for: Callable[..., InvenTreeClient]) -> None:
        """A host name that does not resolve is said as "Cannot find the server … (DNS lookup failed)"."""
        url = "http://buildtui-no-such-host.invalid:8000"
        async with client_for(url, get_retries=0, timeout=10) as c:
            with pytest.raises(Unreachable) as caught:
                await c.get_server_info()
        assert caught.value.reason == "dns"
        assert str(caught.value) == f"Cannot find the server {url} (DNS lookup failed)."

    async def test_refused_named(self, client_for: Callable[..., InvenTreeClient]) -> None:
        """A port nobody listens on is said as "connection refused"."""
        async with client_for("http://127.0.0.1:9", get_retries=0) as c:
            with pytest.raises(Unreachable) as caught:
                await c.get_server_info()
        assert caught.value.reason == "refused" and "connection refused" in str(caught.value)

    async def test_no_answer_in_time_is_a_timeout(self, client_for: Callable[..., InvenTreeClient]) -> None:
        """A server slower than the timeout is named with "did not answer within 0.1 s"."""
        sim = build_simulator()
        sim.latency_ms = 400
        srv = SimulatorServer(sim).start()
        try:
            async with client_for(srv.url, get_retries=0, timeout=0.1) as c:
                with pytest.raises(RequestTimeout) as caught:
                    await c.get_server_info()
            assert str(caught.value) == f"{srv.url} did not answer within 0.1 s."
        finally:
            srv.stop()

    async def test_app_starting_with_dns_failure_says_which_server(self) -> None:
        """Started against an unknown host, the list names the server it cannot find and says it is retrying."""
        app = make_app("http://buildtui-no-such-host.invalid:8000", "x")
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            message = str(app.screen.query_one("#list-message").render())
            assert "Cannot find the server http://buildtui-no-such-host.invalid:8000" in message
            assert "Retrying" in message

    async def test_starts_with_server_down_and_continues_when_it_comes_up(self, tmp_path: Path) -> None:
        """Down at launch: the app waits and retries by itself; when the server starts, the list appears."""
        sim = build_simulator()
        srv = SimulatorServer(sim)  # not started yet: its port refuses connections
        app = make_app(srv.url, None, poll_interval=1)
        app.client.get_retries = 0
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "connection refused" in str(app.screen.query_one("#list-message").render())
            srv.start()
            try:
                app.client.set_token(get_token(srv.url))
                # the back-off retries by itself; no key pressed
                await wait_for(
                    pilot,
                    lambda: app.screen.query("#builds") and app.screen.query_one("#builds", KeyedTable).row_keys,
                    timeout=10,
                )
                assert len(app.screen.query_one("#builds", KeyedTable).row_keys) == outstanding_in(sim)
            finally:
                srv.stop()
