"""The command line loads only click and its command modules at start (issue 16): `provision
--help` and `--version` must not pay for the loader, the kinds or the REST client. A module
import at the top of a command module undoes it silently (fmt's `missing_config` did:
`provision --help` 0.08 -> 0.25 s), so the modules a bare `import provisioner.cli` loads are
checked here, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("provisioner.engine.loader", "provisioner.kinds", "provisioner.client",
         "provisioner.automation", "provisioner.sandbox", "requests", "rtoml")


def test_importing_the_cli_loads_no_library_module() -> None:
    code = ("import sys, provisioner.cli; "
            "print('\\n'.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    loaded = [m for m in out if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []
