"""A port picked free can be taken before the server binds it (free_ports only knows it *was* free): the
server, Envoy or service exits with "address already in use" and is launched again on new ports. A restart
keeps its ports instead (its clients know them) and says which error stopped it."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import fitcoach_stack.servers
import fitcoach_stack.stack
import pytest
from fitcoach_stack.gateway import EdgeAuth
from fitcoach_stack.process import PortInUseError, free_ports, port_open
from fitcoach_stack.servers import EnvoyServer, NatsServer
from fitcoach_stack.stack import Stack

HOST = "127.0.0.1"
FAKE = Path(__file__).with_name("fake_service.py")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port held the way the local end of an outgoing connection holds one: bound, not listening."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        yield int(sock.getsockname()[1])


class FirstPickTaken:
    """`free_ports` as seen by one module, rigged so that the first call for `count` ports hands out
    `taken` first: the race where something binds a picked port before the server does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: ModuleType, taken: int, count: int) -> None:
        self.taken, self.count, self.used = taken, count, False
        monkeypatch.setattr(module, "free_ports", self)

    def __call__(self, count: int, host: str = HOST) -> list[int]:
        ports = free_ports(count, host)
        if count == self.count and not self.used:
            self.used = True
            ports[0] = self.taken
        return ports


def test_a_server_whose_port_was_taken_starts_again_on_new_ones(
    tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    FirstPickTaken(monkeypatch, fitcoach_stack.servers, taken_port, count=2)
    server = NatsServer(tmp_path / "nats")
    assert server.port == taken_port
    try:
        server.start()
        assert server.port != taken_port and port_open(HOST, server.port)
    finally:
        server.stop()
    # The first launch met the taken port; the second one served.
    assert server.log_path.read_text().count("address already in use") == 1


def test_a_restart_keeps_its_ports_and_says_one_was_taken(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats")
    server.start()
    port = server.port
    server.stop()
    try:
        with socket.socket() as sock:
            sock.bind((HOST, port))
            with pytest.raises(PortInUseError, match="address already in use"):
                server.start()
        assert server.port == port  # not moved: a client of the first run reconnects to the same URL
        server.start()  # free again: it runs
        assert port_open(HOST, port)
    finally:
        server.stop()


def test_envoy_whose_ports_were_taken_starts_again_on_new_ones(
    envoy_factory: Callable[..., EnvoyServer], taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rigged = FirstPickTaken(monkeypatch, fitcoach_stack.servers, taken_port, count=2)
    closed = free_ports(1)[0]  # no upstream needed: Envoy starts without one
    gateway = envoy_factory(
        upload=closed, analyzer=closed, advisor=closed, edge_auth=EdgeAuth(issuer="i", hs256_secret="s" * 32)
    )
    assert rigged.used and gateway.port != taken_port
    assert port_open(HOST, gateway.port) and port_open(HOST, gateway.admin_port)


def test_a_service_whose_port_was_taken_starts_again_on_new_ones(
    stack_factory: Callable[..., Stack], tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stack asks for two ports per service (gRPC, metrics); the first such pick is the advisor's.
    rigged = FirstPickTaken(monkeypatch, fitcoach_stack.stack, taken_port, count=2)
    stack = stack_factory(
        services=("advisor",),
        service_commands={"advisor": [sys.executable, str(FAKE), "advisor", "serve"]},
        service_env={"FAKE_ENV_DIR": str(tmp_path)},
    )
    # Started (healthy through the gateway, or stack_factory would have raised) on other ports.
    assert rigged.used and stack.service_ports["advisor"] != taken_port
    assert port_open(HOST, stack.service_ports["advisor"])
