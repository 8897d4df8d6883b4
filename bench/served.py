"""A sandbox portal served over HTTP on 127.0.0.1 for bench/wait.py, in a process of its own.

    python bench/served.py --state FILE            # as `provision sandbox serve --state FILE`
    python bench/served.py --state FILE --memory   # FILE (one JSON document) loaded into memory

Both with the portal's rate limit (burst 50, 2 a second) on the wall clock. It prints one JSON
line {"url": webhook} once it serves; on SIGUSR1, one JSON line with the HTTP requests it
received so far, the ones it refused with QUERY_LIMIT_EXCEEDED (when the sandbox counts them) and
its own CPU seconds, and serves on (so the harness can tell one command's figures from the
next's); on SIGTERM, the same line, then it exits. It uses only what the sandbox offered before the state file became
SQLite, so `bench/wait.py --product DIR` can serve an older version of provision too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
from pathlib import Path
from types import FrameType
from typing import Any


def serve(state: Path, memory: bool) -> None:
    from provisioner.sandbox import server

    served: dict[str, Any] = {}

    def ready(sandbox: Any) -> None:
        served["sandbox"] = sandbox
        print(json.dumps({"url": sandbox.webhook_url}), flush=True)

    def counts(_signum: int, _frame: FrameType | None) -> None:
        sandbox = served.get("sandbox")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        bucket = getattr(getattr(sandbox, "app", None), "bucket", None)
        print(json.dumps({"requests": sandbox.requests.total if sandbox else 0,
                          "refused": getattr(bucket, "refused", None),
                          "cpu": usage.ru_utime + usage.ru_stime}), flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        counts(signum, frame)
        os._exit(0)

    signal.signal(signal.SIGUSR1, counts)
    signal.signal(signal.SIGTERM, stop)
    if not memory:
        server.serve(0, state, rate_limit=True, on_ready=ready)  # what `sandbox serve` runs
        return
    from provisioner.sandbox.clock import RealClock
    from provisioner.sandbox.portal import MemoryStores, Sandbox
    from provisioner.sandbox.ratelimit import RateLimit
    from provisioner.sandbox.store import Store

    store = Store(json.loads(state.read_text("utf-8"))) if state.exists() else Store.new()
    sandbox = Sandbox(MemoryStores(store), clock=RealClock(), rate_limit=RateLimit())
    http = server.SandboxServer(sandbox, 0)
    ready(sandbox)
    http.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    serve(args.state, args.memory)


if __name__ == "__main__":
    main()
