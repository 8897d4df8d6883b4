"""No test reaches the network: a connection (or a name lookup) for anything but this machine is
refused and fails the test; loopback, where our own sandbox serves, stays open.

`socket.socket.connect`/`connect_ex` and `socket.getaddrinfo` are wrapped when this module is
imported (tests/conftest.py, before any test module); a refused attempt raises
ConnectionRefusedError, as an unreachable host would, so the code under test takes its usual
error path, and the test fails at teardown naming the address: the product's own error
handling cannot swallow the finding. Processes a test starts (subprocess) are not guarded.

PYTEST_DONT_REWRITE: imported before pytest registers it as a plugin, and it asserts nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_refused: list[str] = []


def is_local(host: Any) -> bool:
    """True for loopback addresses and names of this machine; a socket file is local too."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return host is None
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it would go to DNS


def is_literal(host: Any) -> bool:
    """An IP address written out: looking it up asks no DNS server (connect decides)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # AF_UNIX and the like never leave the machine
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_local(host):
        where = f"{host}:{address[1]}" if isinstance(address, tuple) and len(address) > 1 \
            else str(host)
        _refused.append(where)
        raise ConnectionRefusedError(f"tests/netguard.py: no network in tests ({where})")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not (is_local(host) or is_literal(host)):
        _refused.append(f"DNS lookup of {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"tests/netguard.py: no DNS in tests ({host})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    del _refused[:]
    yield
    if _refused:
        tried = ", ".join(dict.fromkeys(_refused))
        del _refused[:]
        pytest.fail(f"tried to reach the network ({tried}): tests use loopback only (our own "
                    "sandbox on 127.0.0.1) or a mocked transport (responses, the sandbox's "
                    "session)", pytrace=False)
