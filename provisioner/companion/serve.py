"""Run the companion app under waitress, a production WSGI server in pure Python.

waitress is used because it is well kept, has no C dependencies, runs the same on every
platform the CLI runs on, bounds request bodies and header sizes, and handles slow clients with
its own buffering; TLS is left to the reverse proxy in front of it (docs/companion.md).
"""

from __future__ import annotations

import importlib
from typing import Any

MAX_REQUEST_BODY = 64 * 1024


def serve(app: Any, host: str, port: int, threads: int = 4, trusted_proxy: str | None = None,
          ready: Any = None) -> None:
    """Serve until interrupted. `trusted_proxy`: the reverse proxy's address, whose
    X-Forwarded-* headers are believed."""
    create_server = importlib.import_module("waitress").create_server  # no type stubs

    options: dict[str, Any] = {"host": host, "port": port, "threads": threads,
                               "max_request_body_size": MAX_REQUEST_BODY,
                               "ident": "provision-companion", "clear_untrusted_proxy_headers":
                               True}
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy, trusted_proxy_headers={
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
    server = create_server(app, **options)
    if ready is not None:
        ready(server)
    server.run()
