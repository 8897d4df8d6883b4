"""The portals file: named portals (staging, production, ...) and how to reach them.

```toml
[portals.staging]
webhook_url_env = "B24_STAGING_WEBHOOK"        # the URL is read from this variable

[portals.production]
webhook_url_file = "~/.config/provision/prod.url"  # or from this file (first line)
enterprise = true                              # Enterprise rate limit (250 burst, 5/s)
protect = ["deal.pipeline[sales]"]             # never deleted or replaced on this portal
max_changes = "30%"                            # refuse applies that update or delete more

[portals.app]
oauth_endpoint = "https://example.bitrix24.ru/rest/"
oauth_client_id_env = "B24_CLIENT_ID"          # every OAuth secret: *_env or *_file
oauth_client_secret_env = "B24_CLIENT_SECRET"
oauth_access_token_env = "B24_ACCESS_TOKEN"
oauth_refresh_token_env = "B24_REFRESH_TOKEN"
member_id = "a1b2c3"                           # optional: the portal's member_id (not a secret)

[portals.local]
sandbox = ".provision/local.json"              # a local sandbox portal
```

Secrets come only from the environment or a file the portals file names; an inline webhook URL
(or anything that looks like one) is a validation error. Files name a portal by its identity
(scheme, host, port; `workspace/identity.py`), never by its name here nor by a secret.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provisioner.engine.threshold import ChangeLimit
from provisioner.errors import ProvisionError
from provisioner.files import write_atomically
from provisioner.workspace.identity import PortalIdentity

if TYPE_CHECKING:
    from provisioner.client.client import ClientOptions

FILE_NAME = "portals.toml"
OAUTH_SECRETS = ("client_id", "client_secret", "access_token", "refresh_token")
_SECRET_URL = re.compile(r"/rest/\d+/[^/\s]+")
_KEYS = {"webhook_url_env", "webhook_url_file", "oauth_endpoint", "sandbox", "protect",
         "enterprise", "member_id", "max_changes", *(f"oauth_{s}_{w}" for s in OAUTH_SECRETS for w in ("env", "file"))}
_SECRET_WORDS = re.compile("url|token|secret")
INLINE = ("a secret never goes in the portals file: name an environment variable "
          "(webhook_url_env) or a file (webhook_url_file) that holds it")


class PortalsError(ProvisionError):
    """The portals file is wrong, or a portal's secret cannot be found."""


@dataclass(frozen=True)
class Portal:
    """One named portal; holds where its secrets are, never the secrets."""

    name: str
    webhook_url_env: str | None = None
    webhook_url_file: Path | None = None
    oauth_endpoint: str | None = None
    oauth: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # secret -> (how, where)
    sandbox: Path | None = None
    protect: tuple[str, ...] = ()
    enterprise: bool = False
    member_id: str | None = None
    base: Path = Path()  # the portals file's directory: a sandbox's path is named from it
    max_changes: ChangeLimit | None = None  # engine/threshold.py: `max_changes = "30%"`

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

    def webhook_url(self) -> str:
        if self.webhook_url_env:
            return _from_env(self.name, self.webhook_url_env)
        assert self.webhook_url_file is not None
        return _from_file(self.name, self.webhook_url_file)

    def secret(self, name: str) -> str:
        how, where = self.oauth[name]
        return _from_env(self.name, where) if how == "env" else _from_file(self.name, Path(where))

    def identity(self) -> PortalIdentity:
        """Which portal this is, for the files that name it (never a token): a sandbox by its
        state file as the portals file writes it, others by scheme, host and port."""
        if self.sandbox is not None:
            try:
                state = self.sandbox.relative_to(self.base).as_posix()
            except ValueError:
                state = self.sandbox.as_posix()
            return PortalIdentity.sandbox(state)
        try:
            return PortalIdentity.of_url(self.oauth_endpoint or self.webhook_url(),
                                         self.member_id)
        except ProvisionError as exc:
            raise PortalsError(f"portal {self.name}: {exc}") from None


def _from_env(portal: str, name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise PortalsError(f"portal {portal}: environment variable {name} is not set")
    return value


def _from_file(portal: str, path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise PortalsError(f"portal {portal}: cannot read {path}: {exc.strerror}") from None
    if not lines or not lines[0].strip():
        raise PortalsError(f"portal {portal}: {path} is empty")
    return lines[0].strip()


def find_file(config: str | Path | None, explicit: str | Path | None) -> Path | None:
    """`--portals FILE`, else portals.toml beside the config (beside its directory: inside,
    the loader would read it as desired state), else in the current directory."""
    if explicit:
        return Path(explicit)
    if config is not None:
        base = Path(config)
        beside = (base.resolve().parent if base.is_dir() else base.parent) / FILE_NAME
        if beside.exists():
            return beside
    here = Path(FILE_NAME)
    return here if here.exists() else None


def load(path: Path) -> dict[str, Portal]:
    """Every portal of the file; all problems in one PortalsError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PortalsError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PortalsError(f"{path}: not valid TOML: {exc}") from None
    problems: list[str] = []
    if set(data) - {"portals"}:
        problems.append(f"{path}: unknown top-level key(s) {', '.join(sorted(set(data) - {'portals'}))}"
                        "; declare portals as [portals.<name>]")
    portals: dict[str, Portal] = {}
    for name, table in (data.get("portals") or {}).items():
        if not isinstance(table, dict):
            problems.append(f"{path}: portals.{name}: must be a table")
            continue
        found = _portal(name, table, path.parent, problems, f"{path}: portals.{name}")
        if found is not None:
            portals[name] = found
    if problems:
        raise PortalsError("\n".join(problems))
    return portals


def _portal(name: str, table: dict[str, Any], base: Path, problems: list[str],
            where: str) -> Portal | None:
    before = len(problems)
    _check_keys(table, problems, where)
    means = [m for m in ("webhook_url_env", "webhook_url_file", "oauth_endpoint", "sandbox")
             if m in table]
    if len(means) != 1:
        problems.append(f"{where}: give exactly one of webhook_url_env, webhook_url_file, "
                        f"oauth_endpoint (with oauth_*_env/_file) or sandbox"
                        f"{' (found ' + ', '.join(means) + ')' if means else ''}")
    oauth = _oauth(table, base, problems, where) if "oauth_endpoint" in table else {}
    protect = table.get("protect", [])
    if not isinstance(protect, list) or not all(isinstance(p, str) for p in protect):
        problems.append(f'{where}.protect: write a list of addresses, e.g. ["deal.pipeline[sales]"]')
        protect = []
    limit = _limit(table.get("max_changes"), name, problems, where)
    member = table.get("member_id")
    if member is not None and (not isinstance(member, str) or "oauth_endpoint" not in table):
        problems.append(f"{where}.member_id: a string, for a portal reached with "
                        "oauth_endpoint (the member_id of the app's OAuth answers)")
    if len(problems) > before:
        return None
    return Portal(name, table.get("webhook_url_env"), _path(table.get("webhook_url_file"), base),
                  table.get("oauth_endpoint"), oauth, _path(table.get("sandbox"), base),
                  tuple(protect), table.get("enterprise") is True, member, base, limit)


def _limit(value: Any, name: str, problems: list[str], where: str) -> ChangeLimit | None:
    if value is None:
        return None
    try:
        return ChangeLimit.parse(value, f"max_changes of portal {name} in portals.toml")
    except ValueError as exc:
        problems.append(f"{where}.max_changes: {str(exc).split(': ', 1)[1]}")
        return None


def _check_keys(table: dict[str, Any], problems: list[str], where: str) -> None:
    for key, value in table.items():
        if isinstance(value, str) and _SECRET_URL.search(value):
            problems.append(f"{where}.{key}: looks like a webhook URL with its token; {INLINE}")
        elif key not in _KEYS:
            problems.append(f"{where}.{key}: unknown key; {_unknown_key_hint(key)}")


def _unknown_key_hint(key: str) -> str:
    """A misspelt `webhok_url_env` wants its spelling, not the lecture on inline secrets that an
    inline `webhook_url` or `access_token` gets."""
    close = difflib.get_close_matches(key, sorted(_KEYS), n=1, cutoff=0.8)
    if close and (key.endswith(("_env", "_file")) or not _SECRET_WORDS.search(key)):
        return f"did you mean `{close[0]}`?"
    if _SECRET_WORDS.search(key):
        return INLINE
    return f"known keys: {', '.join(sorted(_KEYS))}"


def _oauth(table: dict[str, Any], base: Path, problems: list[str],
           where: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for secret in OAUTH_SECRETS:
        env, file = table.get(f"oauth_{secret}_env"), table.get(f"oauth_{secret}_file")
        if (env is None) == (file is None):
            problems.append(f"{where}: give one of oauth_{secret}_env or oauth_{secret}_file")
            continue
        out[secret] = ("env", str(env)) if env is not None else ("file", str(_path(file, base)))
    return out


def _path(value: Any, base: Path) -> Path | None:
    if value is None:
        return None
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def choose(path: Path | None, name: str) -> Portal:
    if path is None:
        raise PortalsError(f"--portal {name}: no portals file (write {FILE_NAME} beside the "
                           "config or pass --portals FILE)")
    portals = load(path)
    if name not in portals:
        known = ", ".join(sorted(portals)) or "none"
        raise PortalsError(f"--portal {name}: not in {path} (portals: {known})")
    return portals[name]


def connect(portal: Portal, notice: Callable[[str], None] | None = None,
            insecure: bool = False, sleep: Callable[[float], None] | None = None) -> Any:
    """A BitrixClient for the portal (its sandbox, webhook or OAuth app); `notice` gets what a
    person must know about the portal's tokens (never a token). `insecure` switches off TLS
    verification (a sandbox has no TLS: it is ignored there, with a notice). `sleep` is the
    client's (the workspace's progress tracker; None: the client's own)."""
    from provisioner.client import BitrixClient, RateLimit

    rate = RateLimit.enterprise() if portal.enterprise else RateLimit()
    if portal.sandbox is not None:
        from provisioner.sandbox import Sandbox

        if insecure and notice is not None:
            notice(INSECURE_SANDBOX)
        sb = Sandbox.open(portal.sandbox)
        return BitrixClient.from_webhook(sb.webhook_url, session=sb.session(),
                                         rate=RateLimit.unlimited(), **timing(sleep))
    if portal.oauth_endpoint:
        s = portal.secret
        with insecure_tls(portal.oauth_endpoint, insecure, notice):
            return BitrixClient.from_oauth(portal.oauth_endpoint, s("access_token"),
                                           s("refresh_token"), s("client_id"),
                                           s("client_secret"),
                                           on_tokens=token_keeper(portal, notice), rate=rate,
                                           **timing(sleep, insecure))
    url = portal.webhook_url()
    with insecure_tls(url, insecure, notice):
        return BitrixClient.from_webhook(url, rate=rate, **timing(sleep, insecure))


def timing(sleep: Callable[[float], None] | None, insecure: bool = False) -> ClientOptions:
    """The client's options: `sleep` (None: the client's own), `insecure`."""
    from provisioner.client.client import ClientOptions

    options = ClientOptions(insecure=insecure)
    if sleep is not None:
        options["sleep"] = sleep
    return options


INSECURE_SANDBOX = "Warning: --insecure is ignored for the local sandbox portal."


@contextmanager
def insecure_tls(url: str, insecure: bool, notice: Callable[[str], None] | None
                 ) -> Iterator[None]:
    """With `insecure`: one clear warning through `notice` (instead of the client's and
    urllib3's per-request warnings) while the client is made."""
    if not insecure:
        yield
        return
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    from provisioner.client.client import InsecureTLSWarning
    from provisioner.client.redact import redact

    if notice is not None:
        notice(f"Warning: --insecure: TLS certificate verification is OFF for {redact(url)}; "
               "anyone on the network path can read the webhook token and change the portal's "
               "answers.")
    warnings.filterwarnings("ignore", category=InsecureRequestWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureTLSWarning)
        yield


def token_keeper(portal: Portal, notice: Callable[[str], None] | None) -> Callable[[Any], None]:
    """Stores the pair a token refresh returns where the portal keeps its tokens: the docs say to
    save the new pair (b24restdocs settings/oauth/auto-renewal.md, "Recommended Logic"), and the
    old refresh token stops working (docs/portal-rules.md#authentication), so one left as it was fails on the
    next run. Tokens kept in files are rewritten (atomically, with the file's permissions); one
    kept in an environment variable cannot be, and `notice` says so, naming the variable only."""

    def keep(tokens: Any) -> None:
        for name in ("access_token", "refresh_token"):
            how, where = portal.oauth[name]
            if how == "file":
                try:
                    write_atomically(Path(where), getattr(tokens, name) + "\n")
                except OSError as exc:
                    if notice is not None and name == "refresh_token":
                        notice(f"Warning: portal {portal.name}: the OAuth tokens were renewed "
                               f"but {where} could not be written ({exc.strerror}); the refresh "
                               "token in it no longer works: authorize the app again.")
            elif name == "refresh_token" and notice is not None:
                notice(f"Warning: portal {portal.name}: the OAuth tokens were renewed and the "
                       f"refresh token in ${where} no longer works. Keep the tokens in files "
                       "(oauth_access_token_file, oauth_refresh_token_file) so that provision "
                       "can store the new ones.")

    return keep

