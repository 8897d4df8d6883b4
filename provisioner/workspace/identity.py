"""A portal's identity: scheme, host and port (and OAuth's member_id), never a secret.

One type names a portal everywhere a file must say which portal it is about: attestations, id
maps, export side files, saved plans. Two portals on one host with two ports are two portals.
The local sandbox is `sandbox` (the one chosen without `--portal`, whatever its state file) or
`sandbox:<state file>` (a sandbox named in the portals file, its path as that file writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from provisioner.errors import ProvisionError

SANDBOX = "sandbox"
DEFAULT_PORTS = {"http": 80, "https": 443}
_MEMBER = re.compile(r"^(?P<base>\S+) \(member_id (?P<member>[^)]+)\)$")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


@dataclass(frozen=True, order=True)
class PortalIdentity:
    """Which portal: `https://example.bitrix24.ru`, `http://127.0.0.1:8045`, `sandbox`."""

    scheme: str  # "https", "http", or "sandbox"
    host: str  # lower case; for a sandbox "" (the default one) or its state file
    port: int | None = None  # always set for http(s), None for a sandbox
    member_id: str | None = None  # the portal's id in OAuth answers, where it is known

    @classmethod
    def of_url(cls, url: str, member_id: str | None = None) -> PortalIdentity:
        """The identity of the portal a webhook URL or an OAuth endpoint points at (the path,
        where a webhook keeps its token, is dropped)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        try:
            port = parts.port
        except ValueError:
            port = -1
        if scheme not in DEFAULT_PORTS or not parts.hostname or port == -1:
            raise ProvisionError("the portal address must look like https://<portal>/rest/...; "
                                 "check the scheme, the host and the port")
        return cls(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], member_id)

    @classmethod
    def sandbox(cls, state: str | None = None) -> PortalIdentity:
        """The default sandbox (no state given), or the sandbox kept in `state`."""
        return cls(SANDBOX, (state or "").replace("\\", "/"))

    @classmethod
    def parse(cls, text: str) -> PortalIdentity:
        """The identity `str()` wrote; ProvisionError for anything else."""
        if text == SANDBOX or text.startswith(SANDBOX + ":"):
            return cls.sandbox(text[len(SANDBOX) + 1:] or None)
        found = _MEMBER.match(text)
        base, member = (found["base"], found["member"]) if found else (text, None)
        if "://" not in base:
            raise ProvisionError(f"{text!r} does not name a portal")
        return cls.of_url(base, member)

    @property
    def is_sandbox(self) -> bool:
        return self.scheme == SANDBOX

    def __str__(self) -> str:
        if self.is_sandbox:
            return f"{SANDBOX}:{self.host}" if self.host else SANDBOX
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        member = f" (member_id {self.member_id})" if self.member_id else ""
        return f"{self.scheme}://{host}{port}{member}"

    @property
    def key(self) -> str:
        """A file name for this portal's files: one portal, one name, on every system."""
        if self.is_sandbox:
            return f"{SANDBOX}_{_encode(self.host)}" if self.host else SANDBOX
        member = f"_{_encode(self.member_id)}" if self.member_id else ""
        return f"{self.scheme}_{_encode(self.host)}_{self.port}{member}"

    @property
    def legacy_key(self) -> str:
        """The name provision gave this portal's files before identities had ports: its host,
        `sandbox`, or `sandbox_<state file name>`."""
        if self.is_sandbox:
            return f"{SANDBOX}_{_legacy(self.host.rsplit('/', 1)[-1])}" if self.host else SANDBOX
        return _legacy(self.host)

    def is_recorded_as(self, recorded: str) -> bool:
        """Whether a file that names its portal `recorded` is about this portal. Files written
        before identities had ports name the host only; they match by host."""
        try:
            return PortalIdentity.parse(recorded) == self
        except ProvisionError:
            return not self.is_sandbox and recorded.lower() == self.host


def _encode(text: str) -> str:
    """Percent-encode all but letters, digits, dots and hyphens (so `_` can separate parts)."""
    return "".join(chr(b) if chr(b) in _SAFE else f"%{b:02X}" for b in text.encode("utf-8"))


def _legacy(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)
