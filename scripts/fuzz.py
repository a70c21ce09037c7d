"""The trust fuzz cases (tests/trust/fuzz_cases.py) with a larger budget than the suite's:
every socket state and every form and JSON endpoint of a server on 127.0.0.1, hostile
input from hypothesis, and a count of what came of each target.

    python scripts/fuzz.py --examples 2000

Prints per target the outcomes (HTTP statuses; socket messages taken, refused, or closed
with a code) and then every failure: a server error, a connection dropped without a
close frame, or a database changed by refused input. Exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as with_seed
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="cases per target")
    parser.add_argument("--seed", type=int, default=None, help="fixed seed (default: random)")
    args = parser.parse_args()
    # tests/ is not installed: its helpers are imported from the checkout.
    sys.path.insert(0, str(REPO))
    from tests.live_server import open_limits, run_sync, start_live_server
    from tests.trust.fuzz_cases import (
        FORM_TARGETS,
        JSON_TARGETS,
        SCHEMAS,
        SOCKET_TARGETS,
        HttpTarget,
        SocketTarget,
        Tally,
        frames,
    )
    from tests.trust.world import WORLD_SETTINGS, build_world

    budget = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    tally = Tally()
    with tempfile.TemporaryDirectory() as data, asyncio.Runner() as loop:
        server = start_live_server(Path(data) / "data", **WORLD_SETTINGS, **open_limits())
        try:
            world = run_sync(build_world(server))
            for name in SOCKET_TARGETS:
                socket = loop.run(asyncio.sleep(0, SocketTarget(world, name)))

                @budget
                @given(frame=frames(SCHEMAS[socket.endpoint]))
                def socket_case(frame: str | bytes) -> None:
                    loop.run(socket.case(frame, tally))  # noqa: B023 (run before the loop moves on)

                run(socket_case, args.seed)
                loop.run(socket.close())
                report(tally, name)
            doors = [(d, False) for d in FORM_TARGETS] + [(d, True) for d in JSON_TARGETS]
            for door, json_body in doors:
                endpoint = loop.run(asyncio.sleep(0, HttpTarget(world, door, json_body)))

                @budget
                @given(data=st.data())
                def http_case(data: Any) -> None:
                    loop.run(endpoint.case(data.draw(endpoint.strategy()), tally))  # noqa: B023

                run(http_case, args.seed)
                loop.run(endpoint.close())
                report(tally, door)
        finally:
            server.stop()
    total = sum(tally.counts.values())
    print(f"\n{total} cases, {len(tally.failures)} failures")
    for failure in tally.failures:
        print("  FAIL", failure)
    return 1 if tally.failures else 0


def run(test: Any, seed: int | None) -> None:
    """Run a hypothesis test, with a fixed seed if one was given."""
    if seed is not None:
        test = with_seed(seed)(test)
    test()


def report(tally: Any, target: str) -> None:
    outcomes = {
        k.split(": ", 1)[1]: n for k, n in tally.counts.items() if k.startswith(f"{target}: ")
    }
    total = sum(outcomes.values())
    listed = ", ".join(f"{outcome} {n}" for outcome, n in sorted(outcomes.items()))
    print(f"{target}: {total} cases ({listed})", flush=True)


if __name__ == "__main__":
    sys.exit(main())
