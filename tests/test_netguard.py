"""The network guard: a test that connects to (or looks up) anything but loopback fails at
teardown naming the address, even when the code under test swallowed the error; loopback, where
the sandbox serves, stays open."""

from __future__ import annotations

import socket

import netguard
import pytest

pytest_plugins = ["pytester"]
INNER = ("-p", "netguard", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def test_socket_is_wrapped_for_the_whole_suite() -> None:
    assert socket.socket.connect is netguard._guarded_connect
    assert socket.getaddrinfo is netguard._guarded_getaddrinfo


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), (b"127.0.0.1", True), (None, True),
    ("192.0.2.1", False), ("2001:db8::1", False), ("0.0.0.0", False),
    ("portal.example", False), ("sandbox.invalid", False), ("localhost.evil.example", False),
])
def test_what_counts_as_this_machine(host: object, local: bool) -> None:
    assert netguard.is_local(host) is local


def test_a_connection_out_fails_even_when_swallowed_and_loopback_passes(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner="""
        import socket

        def test_out():
            try:  # 192.0.2.1 is TEST-NET-1: never routed; the guard refuses it before any packet
                socket.create_connection(("192.0.2.1", 9), timeout=0.1)
            except OSError:
                pass

        def test_lookup():
            try:
                socket.getaddrinfo("portal.example", 443)
            except socket.gaierror:
                pass

        def test_loopback():
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen()
            with socket.create_connection(server.getsockname(), timeout=1):
                pass
            server.close()
    """)
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_out*",
        "*tried to reach the network (192.0.2.1:9): tests use loopback only*",
        "*ERROR at teardown of test_lookup*",
        "*tried to reach the network (DNS lookup of portal.example): tests use loopback only*"])
