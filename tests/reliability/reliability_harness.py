"""Fault-injection harness shared by tests/reliability and bench/faults.py.

One *run*: a fresh sandbox, an optional earlier state (a random config applied without faults),
then plan + apply of a desired state while the sandbox answers QUERY_LIMIT_EXCEEDED, 500,
OPERATION_TIME_LIMIT, expired OAuth tokens, timeouts (with and without the write committed),
connections dropped after the commit, or while the process "dies" (a BaseException raised from
the transport before or after a request). Then a recovery apply without faults, and the checks:

- converged: a plan made after the recovery has no changes besides manual ones;
- duplicates: no two stages with one code in one list, no two pipelines with one originId, no
  two user fields with one name, no two smart processes with one code (read from the store);
- unintended deletions: every object that existed before and is gone was deleted by a change of
  the plan (delete or replace);
- deleted without consent: in a run without --allow-destroy, nothing that existed before the
  run is gone (what a plan deletes without consent is residue the run itself made: the stages
  the portal made with a pipeline an apply of the run created);
- reread_violations: after a write whose outcome is unknown (maybe committed), the same client
  sends no write before it has read the portal again.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.client.errors import BitrixAPIError
from provisioner.client.policy import is_read
from provisioner.engine.planner import UNMANAGED
from provisioner.errors import ProvisionError
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import reference
from provisioner.sandbox.faults import Fault, FaultKind, FaultPlan
from provisioner.sandbox.transport import OAUTH_TOKEN_URL, SandboxAdapter

# Fault kinds of a run; "kill_before" / "kill_after" are the process dying before a request is
# sent, or after the portal ran it but before the answer was read.
SANDBOX_KINDS = {
    "rate_limit": (FaultKind.RATE_LIMIT, False),
    "server_error": (FaultKind.SERVER_ERROR, False),
    "time_limit": (FaultKind.TIME_LIMIT, False),
    "expired_token": (FaultKind.EXPIRED_TOKEN, False),
    "timeout": (FaultKind.TIMEOUT, False),
    "timeout_committed": (FaultKind.TIMEOUT, True),
    "drop_after_commit": (FaultKind.DROP_AFTER_COMMIT, False),
}
KILLS = ("kill_before", "kill_after")
ALL_KINDS = (*SANDBOX_KINDS, *KILLS)


class Killed(BaseException):
    """The process died here (not an Exception: nothing in the tool may catch it)."""


# ---- fault scheduling ----------------------------------------------------------------------

class ScheduledFaults(FaultPlan):
    """Faults at given request numbers (1-based, counting requests that reached the faults)."""

    def __init__(self, schedule: Mapping[int, str]) -> None:
        super().__init__()
        self.schedule = {n: k for n, k in schedule.items() if k in SANDBOX_KINDS}
        self.seen = 0
        self.injected: Counter[str] = Counter()

    def take(self, method: str) -> Fault | None:
        self.seen += 1
        name = self.schedule.get(self.seen)
        if name is None:
            return None
        kind, commit = SANDBOX_KINDS[name]
        self.injected[name] += 1
        fault = Fault(kind, method.lower(), 0.0, commit)
        self.applied.append(fault)
        return fault


@dataclass
class Exchange:
    """One request as the client sent it: the method, whether it writes, how it ended."""

    method: str
    write: bool
    outcome: str  # "ok", "error", "uncertain" (maybe committed), "killed"


class RecordingAdapter(SandboxAdapter):
    """The sandbox transport, recording every exchange and able to kill the process."""

    def __init__(self, sandbox: Sandbox, kill_at: int | None = None,
                 kill_mode: str = "kill_before") -> None:
        super().__init__(sandbox)
        self.log: list[Exchange] = []
        self.kill_at = kill_at
        self.kill_mode = kill_mode
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        if (request.url or "").startswith(OAUTH_TOKEN_URL):
            return super().send(request, *args, **kwargs)
        method, write = describe(request)
        self.sent += 1
        if self.sent == self.kill_at and self.kill_mode == "kill_before":
            self.log.append(Exchange(method, write, "killed"))
            raise Killed()
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException:
            self.log.append(Exchange(method, write, "uncertain" if write else "error"))
            raise
        if self.sent == self.kill_at:
            self.log.append(Exchange(method, write, "killed"))
            raise Killed()
        self.log.append(Exchange(method, write, outcome_of(response, write)))
        return response


REFUSED_BEFORE_RUNNING = ("QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT", "OPERATION_TIME_LIMIT",
                          "expired_token")


def outcome_of(response: requests.Response, write: bool) -> str:
    """ok; error (the portal refused, nothing ran); uncertain (a write that may have run)."""
    if response.status_code < 400:
        return "ok"
    try:
        code = str(response.json().get("error"))
    except ValueError:
        code = ""
    if write and response.status_code >= 500 and code not in REFUSED_BEFORE_RUNNING:
        return "uncertain"
    return "error"


def describe(request: requests.PreparedRequest) -> tuple[str, bool]:
    """The REST method of a request and whether it may write (a batch writes when any command
    does)."""
    path = (request.url or "").split("?", 1)[0].rstrip("/")
    method = path.rsplit("/", 1)[-1].removesuffix(".json")
    if method != "batch":
        return method, not is_read(method)
    try:
        raw = request.body or b"{}"
        body = json.loads(raw if isinstance(raw, (str, bytes)) else b"{}")  # never streamed here
    except ValueError:
        return method, True
    cmd = body.get("cmd") or {}
    commands = cmd.values() if isinstance(cmd, dict) else cmd
    names = [str(c).split("?", 1)[0] for c in commands]
    return method, not all(is_read(n) for n in names)


def reread_violations(log: Iterable[Exchange]) -> int:
    """Writes sent after an uncertain write without a read of the portal in between."""
    violations, dirty = 0, False
    for ex in log:
        if ex.write and dirty:
            violations += 1
        if ex.outcome == "uncertain":
            dirty = True
        elif not ex.write and ex.outcome == "ok":
            dirty = False
    return violations


# ---- clients -------------------------------------------------------------------------------

def make_client(sb: Sandbox, adapter: SandboxAdapter, *, oauth: bool) -> BitrixClient:
    session = requests.Session()
    session.mount(sb.base_url + "/", adapter)
    session.mount(OAUTH_TOKEN_URL, adapter)
    common: dict[str, Any] = {"session": session, "rate": RateLimit.unlimited(),
                              "sleep": lambda _s: None, "now": sb.clock.time}
    if oauth:
        creds = sb.oauth()
        return BitrixClient.from_oauth(creds.client_endpoint, creds.access_token,
                                       creds.refresh_token, creds.client_id,
                                       creds.client_secret, **common)
    return BitrixClient.from_webhook(sb.webhook_url, **common)


# ---- identity checks -----------------------------------------------------------------------

def duplicates(data: Mapping[str, Any]) -> list[str]:
    """Natural keys held by more than one object in the sandbox state."""
    keys: Counter[tuple[str, ...]] = Counter()
    for row in data.get("statuses", {}).values():
        keys[("stage", str(row["ENTITY_ID"]), str(row["STATUS_ID"]))] += 1
    for entity, cats in data.get("categories", {}).items():
        for cat in cats.values():
            if cat.get("originId"):
                # one stamp whether the pipeline's stages were reconciled yet or not
                by = str(cat.get("originatorId")).removesuffix(":unfinished")
                keys[("pipeline", entity, by, str(cat["originId"]))] += 1
    for row in _user_fields(data):
        keys[("field", str(row.get("ENTITY_ID")), str(row.get("FIELD_NAME")))] += 1
    for row in data.get("crm_types", {}).values():
        if isinstance(row, dict) and row.get("code"):
            keys[("smart_process", str(row["code"]))] += 1
    return sorted("/".join(k) for k, n in keys.items() if n > 1)


def _user_fields(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """User-field rows wherever the sandbox keeps them (sections with FIELD_NAME rows)."""
    rows: list[Mapping[str, Any]] = []
    for name, section in data.items():
        if "field" not in name.lower() or not isinstance(section, dict):
            continue
        rows.extend(r for r in section.values()
                    if isinstance(r, dict) and "FIELD_NAME" in r and "ENTITY_ID" in r)
    return rows


def object_ids(data: Mapping[str, Any]) -> set[tuple[str, int]]:
    """Portal ids of the objects the engine manages: stages and items, pipelines, user fields,
    smart processes."""
    ids = {("status", int(r["ID"])) for r in data.get("statuses", {}).values()}
    for cats in data.get("categories", {}).values():
        ids.update(("category", int(c["id"])) for c in cats.values())
    ids.update(("field", int(r["ID"])) for r in _user_fields(data) if "ID" in r)
    ids.update(("type", int(t["id"])) for t in data.get("crm_types", {}).values()
               if isinstance(t, dict) and "id" in t)
    return ids


SORT_OF_NODE = {"Pipeline": "category", "SpaPipeline": "category", "Field": "field",
                "SmartProcess": "type", "Stage": "status", "Item": "status"}


def planned_deletions(plan: engine.Plan) -> set[tuple[str, int]]:
    """Ids the plan may delete: the live side of its delete and replace changes."""
    out: set[tuple[str, int]] = set()
    for change in plan.changes:
        if change.action not in (engine.Action.DELETE, engine.Action.REPLACE):
            continue
        node = plan.live_nodes.get(change.address)
        sort = SORT_OF_NODE.get(type(node).__name__)
        if node is not None and sort is not None and getattr(node, "id", None) is not None:
            out.add((sort, int(node.id)))
    return out


def taken_along(data: Mapping[str, Any], deleted: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """What the portal deletes with a deleted object: a pipeline's stages (crm.category.delete),
    a smart process's pipelines, stages and fields (crm.type.delete), docs/portal-rules.md#categories, #smart-processes."""
    types = {i for sort, i in deleted if sort == "type"}
    out: set[tuple[str, int]] = set()
    prefixes: list[str] = []
    for t in data.get("crm_types", {}).values():
        if isinstance(t, dict) and t.get("id") in types:
            etid = t["entityTypeId"]
            out.update(("category", int(c["id"])) for c in
                       data.get("categories", {}).get(str(etid), {}).values())
            prefixes.append(f"DYNAMIC_{etid}_")
            out.update(("field", int(r["ID"])) for r in _user_fields(data)
                       if r.get("ENTITY_ID") in (f"CRM_{t['id']}", f"CRM_{etid}"))
    categories = {i for sort, i in deleted | out if sort == "category"}
    suffixes = tuple(f"_{c}" for c in categories)
    for row in data.get("statuses", {}).values():
        entity = str(row["ENTITY_ID"])
        if (prefixes and entity.startswith(tuple(prefixes))) or (
                suffixes and ("DEAL_STAGE_" in entity or "_STAGE_" in entity)
                and entity.endswith(suffixes)):
            out.add(("status", int(row["ID"])))
    return out


# ---- one run -------------------------------------------------------------------------------

@dataclass
class RunResult:
    seed: int
    scenario: str
    injected: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    killed: bool = False
    converged: bool = False
    duplicates: list[str] = field(default_factory=list)
    unintended_deletions: list[tuple[str, int]] = field(default_factory=list)
    deleted_without_consent: list[tuple[str, int]] = field(default_factory=list)
    reread_violations: int = 0
    crash: str | None = None  # an unexpected exception type (a traceback for a user)
    leftover: list[str] = field(default_factory=list)  # actionable changes after recovery
    # objects this run made that the desired state does not hold (left as notes, not deleted
    # without --allow-destroy), e.g. the portal's default stages of a pipeline whose apply died
    residue: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.converged and not self.duplicates and not self.unintended_deletions
                and not self.deleted_without_consent and not self.reread_violations
                and self.crash is None)


def plan_and_apply(client: BitrixClient, desired: engine.DesiredState, allow_destroy: bool,
                   seen: list[engine.Plan]) -> None:
    plan = engine.make_plan(desired, engine.read_live(client), engine.PlanOptions(allow_destroy))
    seen.append(plan)
    if plan.has_actionable:
        engine.apply(plan, client, allow_destroy=allow_destroy)


def run_once(seed: int, desired: engine.DesiredState, *, scenario: str,
             setup: Callable[[BitrixClient], None] | None = None,
             allow_destroy: bool = False, faults: int | None = None,
             kinds: tuple[str, ...] = ALL_KINDS, max_requests: int = 4) -> RunResult:
    """One seeded run; see the module docstring for what is checked."""
    rng = random.Random(seed)
    result = RunResult(seed, scenario)
    sb = Sandbox.in_memory()
    if setup is not None:
        setup(make_client(sb, SandboxAdapter(sb), oauth=False))
    start = json.loads(json.dumps(sb.store.data))
    before = object_ids(start)
    schedule, kill_at, kill_mode = _schedule(rng, kinds, faults, max_requests)
    plan_faults = ScheduledFaults(schedule)
    sb.app.faults = sb.faults = plan_faults
    adapter = RecordingAdapter(sb, kill_at, kill_mode)
    plans: list[engine.Plan] = []
    try:
        # expired_token is an OAuth answer: a webhook never gets it, so such runs use OAuth.
        oauth = "expired_token" in schedule.values() or rng.random() < 0.5
        plan_and_apply(make_client(sb, adapter, oauth=oauth), desired,
                       allow_destroy, plans)
    except Killed:
        result.killed = True
    except ProvisionError as exc:
        result.first_error = type(exc).__name__
    except Exception as exc:  # an unexpected error is what we are counting
        result.crash = f"{type(exc).__name__}: {exc}"
    result.injected = Counter(plan_faults.injected)
    if result.killed:
        result.injected[kill_mode] += 1
    result.reread_violations = reread_violations(adapter.log)
    sb.app.faults = sb.faults = FaultPlan()
    _recover(sb, desired, allow_destroy, plans, result)
    after = object_ids(sb.store.data)
    allowed = set().union(*(planned_deletions(p) for p in plans)) if plans else set()
    allowed |= taken_along(start, allowed)
    result.unintended_deletions = sorted((before - after) - allowed)
    result.deleted_without_consent = [] if allow_destroy else sorted(before - after)
    result.duplicates = duplicates(sb.store.data)
    return result


def _recover(sb: Sandbox, desired: engine.DesiredState, allow_destroy: bool,
             plans: list[engine.Plan], result: RunResult) -> None:
    client = make_client(sb, SandboxAdapter(sb), oauth=False)
    try:
        plan_and_apply(client, desired, allow_destroy, plans)
        final = engine.make_plan(desired, engine.read_live(client),
                                 engine.PlanOptions(allow_destroy))
    except (ProvisionError, BitrixAPIError) as exc:
        result.crash = result.crash or f"recovery: {type(exc).__name__}: {exc}"
        return
    result.leftover = [f"{c.action.symbol} {c.address}" for c in final.changes
                       if c.action is not engine.Action.MANUAL]
    made = set(plans[0].live_nodes)  # what was live before the first write of the run
    result.residue = sorted(str(n.address) for n in final.notes
                            if n.reason == UNMANAGED and n.address not in made)
    result.converged = not result.leftover


def _schedule(rng: random.Random, kinds: tuple[str, ...], faults: int | None,
              max_requests: int) -> tuple[dict[int, str], int | None, str]:
    count = faults if faults is not None else rng.choice((1, 1, 1, 2, 3))
    schedule: dict[int, str] = {}
    kill_at, kill_mode = None, "kill_before"
    for _ in range(count):
        kind = rng.choice(kinds)
        at = rng.randint(1, max_requests)
        if kind in KILLS:
            if kill_at is None:
                kill_at, kill_mode = at, kind
        else:
            schedule[at] = kind
    return schedule, kill_at, kill_mode


# ---- summary -------------------------------------------------------------------------------

@dataclass
class Tally:
    runs: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    converged: int = 0
    duplicates: int = 0
    unintended_deletions: int = 0
    deleted_without_consent: int = 0
    reread_violations: int = 0
    residue: int = 0
    crashes: int = 0
    first_errors: Counter[str] = field(default_factory=Counter)
    failures: list[RunResult] = field(default_factory=list)

    def add(self, r: RunResult) -> None:
        self.runs += 1
        self.injected.update(r.injected)
        self.converged += r.converged
        self.duplicates += bool(r.duplicates)
        self.unintended_deletions += bool(r.unintended_deletions)
        self.deleted_without_consent += bool(r.deleted_without_consent)
        self.reread_violations += r.reread_violations
        self.residue += bool(r.residue)
        self.crashes += r.crash is not None
        self.first_errors[r.first_error or ("killed" if r.killed else "none")] += 1
        if not r.ok:
            self.failures.append(r)


# ---- generated desired states --------------------------------------------------------------

PIPELINE_KEYS = ("hr", "b2b", "service", "partners", "tenders")
NAMES = ("Новая", "Сбор данных", "Оформление", "Оплата", "В работе", "Звонок", "Встреча",
         "Оффер", "Договор", "Согласование", "Собеседование", "Принят", "Отказ", "Архив",
         "Ждём клиента", "Проверка", "Demo", "Follow-up")
PROCESS_CODES = ("NEW", "PREPARATION", "DATA_COLLECTION", "CALL", "MEETING", "OFFER",
                 "CONTRACT", "EXECUTING", "REVIEW", "INTERVIEW", "PREPAYMENT_INVOICE",
                 "FINAL_INVOICE")
SOURCE_CODES = ("CALL", "EMAIL", "WEB", "ADVERTISING", "PARTNER", "RECOMMENDATION", "TRADE_SHOW",
                "OTHER", "FAIR", "INSTAGRAM", "COLD_CALL", "REFERRAL")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# The stages the portal makes with a new pipeline, as the sandbox makes them (name, colour;
# docs/portal-rules.md#default-stages): a stage of one of these codes is now and then wanted
# so, which apply keeps at the portal's SORT without a write (issue 18, apply4).
DEAL_MADE = {r.code: (r.name, r.color) for r in reference.DEAL_STAGES}
SPA_MADE = {r.code: (r.name, r.color) for r in reference.SPA_STAGES}


def _stage_block(table: str, rng: random.Random, success: str, failures: list[str],
                 codes: Sequence[str] = PROCESS_CODES,
                 made: Mapping[str, tuple[str, str | None]] = DEAL_MADE) -> list[str]:
    out: list[str] = []
    rows = [(c, "process") for c in rng.sample(codes, rng.randint(1, 4))] + \
        [(success, "success")] + [(f, "failure") for f in failures]
    for code, semantics in rows:
        name, color = made.get(code, (None, None))
        if name is None or rng.random() < 0.5:
            name = rng.choice(NAMES)
            color = f"#{rng.randrange(0x1000000):06X}" if rng.random() < 0.5 else None
        elif rng.random() < 0.5:
            color = None
        out += ["", f"[[{table}]]", f"code = {_q(code)}", f"name = {_q(name)}"]
        if color:
            out.append(f"color = {_q(color)}")
        if semantics != "process":
            out.append(f"semantics = {_q(semantics)}")
    return out


FIELD_OWNERS = ("deal", "contact", "company")
FIELD_NAMES = ("VIP", "EQUIPMENT_TYPE", "SEGMENT", "NOTE", "PRIORITY", "LOYAL")
ENUM_VALUES = ("стандартное", "крупное", "особое", "малое", "среднее")
SPA_KEYS = ("hr_candidates", "projects")
SPA_CODES = ("NEW", "PREPARATION", "CLIENT", "CALL", "INTERVIEW", "OFFER", "REVIEW",
             "APPROVAL")


def _kind_paths() -> set[tuple[str, ...]]:
    from provisioner.kinds import KINDS
    return {tuple(k.path) for k in KINDS}


def _fields(rng: random.Random, table: str) -> list[str]:
    out: list[str] = []
    for name in rng.sample(FIELD_NAMES, rng.randint(1, 2)):
        # one type per name: a type change is a replace, refused without --allow-destroy
        kind = {"VIP": "boolean", "LOYAL": "boolean", "NOTE": "string"}.get(name, "enumeration")
        out += ["", f"[{table}.{name}]", f"type = {_q(kind)}",
                f"label = {_q(rng.choice(NAMES))}"]
        if kind == "enumeration":
            items = rng.sample(ENUM_VALUES, rng.randint(1, 4))
            out.append("items = [" + ", ".join(_q(i) for i in items) + "]")
    return out


SPA_PIPELINE_NAMES = ("Дополнительная", "Ещё одна")


def _smart_process(rng: random.Random, key: str) -> list[str]:
    """A smart process with its default pipeline and now and then one or two more (apply adds
    them in the batch of the process, issue 18)."""
    out = ["", f"[smart_processes.{key}]", f"title = {_q(rng.choice(NAMES))}",
           "categories = true", "stages = true"]
    # A smart-process pipeline keeps no key on the portal: it is matched by its name, and a
    # config naming new pipelines beside the portal's unmatched ones is refused (renamed or
    # new cannot be told). The extra pipelines keep one name per key across the cases (an
    # earlier config applied first, then this one), the default one is matched by being it.
    names = [rng.choice(NAMES), *SPA_PIPELINE_NAMES]
    for n, pipe in enumerate(("main", "extra", "more")[:rng.choice((1, 1, 2, 3))]):
        out += ["", f"[smart_processes.{key}.pipelines.{pipe}]", f"name = {_q(names[n])}"]
        if pipe == "main":
            out.append("default = true")
        out += _stage_block(f"smart_processes.{key}.pipelines.{pipe}.stages", rng, "SUCCESS",
                            ["FAIL"], SPA_CODES, SPA_MADE)
    if rng.random() < 0.5:
        out += _fields(rng, f"smart_processes.{key}.fields")
    return out


def generate_desired(rng: random.Random) -> str:
    """A random valid desired state (pipelines, lead statuses, reference lists) as TOML."""
    lines: list[str] = []
    if rng.random() < 0.5:
        lines += ["[deal.pipelines.sales]", f"name = {_q(rng.choice(('Продажи', 'Sales')))}",
                  "default = true"]
        lines += _stage_block("deal.pipelines.sales.stages", rng, "WON",
                              ["LOSE"] + (["APOLOGY"] if rng.random() < 0.5 else []))
    for key in rng.sample(PIPELINE_KEYS, rng.randint(0, 3)):
        lines += ["", f"[deal.pipelines.{key}]", f"name = {_q(key.upper() + ' ' + rng.choice(NAMES))}"]
        lines += _stage_block(f"deal.pipelines.{key}.stages", rng,
                              "WON", ["LOSE", *rng.sample(("REJECTED", "APOLOGY"),
                                                          rng.randint(0, 2))])
    if rng.random() < 0.3:
        lines += _stage_block("lead.statuses", rng, "CONVERTED", ["JUNK"])
    kinds = _kind_paths()
    for owner in FIELD_OWNERS:
        if (owner, "fields") in kinds and rng.random() < 0.3:
            lines += _fields(rng, f"{owner}.fields")
    if ("smart_processes",) in kinds and rng.random() < 0.3:
        lines += _smart_process(rng, rng.choice(SPA_KEYS))
    if rng.random() < 0.5 or not lines:
        lines += ["", "[lists.SOURCE]", "items = ["]
        for code in rng.sample(SOURCE_CODES, rng.randint(1, 8)):
            lines.append(f"  {{ code = {_q(code)}, name = {_q(rng.choice(NAMES))} }},")
        lines.append("]")
    return "\n".join(lines) + "\n"


def generated_case(seed: int) -> tuple[engine.DesiredState, Callable[[BitrixClient], None] | None,
                                       bool, str]:
    """(desired, setup, allow_destroy, text) of generated case `seed`."""
    rng = random.Random(f"case-{seed}")
    text = generate_desired(rng)
    desired = engine.load_text(text, f"generated-{seed}.toml")
    setup = None
    if rng.random() < 0.6:
        earlier = engine.load_text(generate_desired(rng), f"earlier-{seed}.toml")

        def setup(client: BitrixClient) -> None:
            plan_and_apply(client, earlier, True, [])
    return desired, setup, rng.random() < 0.3, text
