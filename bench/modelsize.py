"""What a loaded desired state holds in memory, by tracemalloc (the desired model, issue 18).

    python -m bench.modelsize                      # L10's export, made here
    python -m bench.modelsize --sizes 1,10
    python -m bench.modelsize --config DIR         # a config already on disk (an L100 export)

The config is the portal's export, as `bench.planphases` makes it. It is loaded once to import
everything and fill the caches, then again under tracemalloc: "held" is what the second
load's state keeps once loading is over (the model objects, their addresses and labels, the
files' texts kept for plan files), "load peak" the most that loading held at once (the TOML
trees beside the model), "CPU s" the second load's. The lines below the table are the largest
holders by the line that allocated them. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.portal import L1, fill
from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store


def export(k: int, where: Path) -> Path:
    """L<k>'s export (ru and en labels, as bench.planphases makes it)."""
    store = fill(Store.new(), L1.times(k))
    sandbox = Sandbox(MemoryStores(store))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited())
    config = where / f"L{k}"
    engine.export(engine.read_live(client, languages={}), str(config))
    return config


def measure(name: str, config: Path, top: int) -> list[str]:
    engine.load_desired(config)  # imports, compiled shapes, caches
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    base = tracemalloc.get_traced_memory()[0]
    started = time.process_time()
    desired = engine.load_desired(config)
    cpu = time.process_time() - started
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    lines = [f"| {name} | {(held - base) / 1e6:,.1f} | {(peak - base) / 1e6:,.1f} | {cpu:.2f} |"]
    for stat in after.compare_to(before, "lineno")[:top]:
        lines.append(f"    {stat}")
    del desired
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10", help="L sizes, comma-separated")
    parser.add_argument("--config", help="a config on disk instead of L<k>'s export")
    parser.add_argument("--top", type=int, default=8, help="largest holders shown")
    args = parser.parse_args(argv)
    print("| config | held MB | load peak MB | CPU s |")
    print("|---|---|---|---|")
    if args.config:
        print("\n".join(measure(args.config, Path(args.config), args.top)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="bench-modelsize-") as tmp:
        for k in (int(x) for x in args.sizes.split(",") if x.strip()):
            print("\n".join(measure(f"L{k}", export(k, Path(tmp)), args.top)), flush=True)


if __name__ == "__main__":
    main()
