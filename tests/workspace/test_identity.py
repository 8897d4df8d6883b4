"""A portal's identity: scheme, host and port (and member_id), the same text every time,
one file name per portal, never a secret."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioner.errors import ProvisionError
from provisioner.workspace import PortalIdentity

TOKEN = "s3cr3tWebh00k"


def test_a_webhook_url_names_its_portal_without_the_token() -> None:
    one = PortalIdentity.of_url(f"https://Acme.Bitrix24.ru/rest/1/{TOKEN}/")
    assert (one.scheme, one.host, one.port, one.member_id) == (
        "https", "acme.bitrix24.ru", 443, None)
    assert (str(one), one.key) == ("https://acme.bitrix24.ru", "https_acme.bitrix24.ru_443")
    assert TOKEN not in f"{one!r}{one}{one.key}{one.legacy_key}"
    assert one == PortalIdentity.of_url("https://acme.bitrix24.ru:443/rest/")  # default port


def test_two_ports_or_two_schemes_of_one_host_are_two_portals() -> None:
    a = PortalIdentity.of_url(f"http://127.0.0.1:8045/rest/1/{TOKEN}/")
    b = PortalIdentity.of_url(f"http://127.0.0.1:8046/rest/1/{TOKEN}/")
    c = PortalIdentity.of_url("https://127.0.0.1:8045/rest/")
    assert len({a, b, c}) == 3 and len({a.key, b.key, c.key}) == 3
    assert (str(a), a.key) == ("http://127.0.0.1:8045", "http_127.0.0.1_8045")
    assert a.legacy_key == b.legacy_key == "127.0.0.1"  # what older versions could not tell apart


def test_member_id_and_ipv6() -> None:
    m = PortalIdentity.of_url("https://acme.bitrix24.ru/rest/", member_id="a1b2")
    assert (str(m), m.key) == ("https://acme.bitrix24.ru (member_id a1b2)",
                               "https_acme.bitrix24.ru_443_a1b2")
    assert m != PortalIdentity.of_url("https://acme.bitrix24.ru/rest/")
    six = PortalIdentity.of_url("http://[::1]:8045/rest/")
    assert (str(six), six.key) == ("http://[::1]:8045", "http_%3A%3A1_8045")


def test_sandboxes() -> None:
    default, named = PortalIdentity.sandbox(), PortalIdentity.sandbox(".provision/local.json")
    assert (str(default), default.key, default.legacy_key) == ("sandbox", "sandbox", "sandbox")
    assert (str(named), named.key, named.legacy_key) == (
        "sandbox:.provision/local.json", "sandbox_.provision%2Flocal.json", "sandbox_local.json")


@pytest.mark.parametrize("url", ["ftp://x.ru/rest/", "https:///rest/", "https://x.ru:99999/",
                                 "x.bitrix24.ru"])
def test_what_is_not_a_portal_address_is_refused(url: str) -> None:
    with pytest.raises(ProvisionError, match="the portal address must look like"):
        PortalIdentity.of_url(url)


def test_files_of_older_versions_match_by_host() -> None:
    a = PortalIdentity.of_url("http://127.0.0.1:8045/rest/")
    assert a.is_recorded_as("http://127.0.0.1:8045")
    assert not a.is_recorded_as("http://127.0.0.1:8046")
    assert a.is_recorded_as("127.0.0.1")  # an old file: the host is all it says
    assert not PortalIdentity.sandbox().is_recorded_as("127.0.0.1")
    assert PortalIdentity.sandbox("staging.json").is_recorded_as("sandbox:staging.json")


HOSTS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}",
                      fullmatch=True)
URL_IDS = st.builds(lambda scheme, host, port, member: PortalIdentity.of_url(
    f"{scheme}://{host}:{port}/rest/", member), st.sampled_from(["http", "https"]), HOSTS,
                   st.integers(1, 65535), st.none() | st.from_regex(r"[a-z0-9]{1,12}",
                                                                   fullmatch=True))
IDS = URL_IDS | st.builds(PortalIdentity.sandbox, st.none() | st.text(min_size=1, max_size=20))


@given(IDS)
def test_the_text_reads_back_as_the_same_identity(identity: PortalIdentity) -> None:
    assert PortalIdentity.parse(str(identity)) == identity


@given(IDS, IDS)
def test_one_portal_one_file_name(a: PortalIdentity, b: PortalIdentity) -> None:
    assert (a.key == b.key) == (a == b)
    assert "/" not in a.key and "\\" not in a.key and ":" not in a.key
