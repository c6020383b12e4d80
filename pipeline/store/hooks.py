"""Test-only pause points, so tests can kill a run at a known moment. Never set in production.

BUDGET_TEST_PAUSE="<point>:<seconds>" makes the process print "BUDGET_TEST_PAUSE <point>" to
stderr and sleep when it reaches <point>:
  staging_write   inside a staging transaction (replace_pages), its writes done, before its commit
  mid_load        in publication, with the new warehouse file half-loaded (tables in, no views yet)
  before_replace  in publication, with the new warehouse complete, before it replaces the served one
"""

from __future__ import annotations

import os
import sys
import time

ENV = "BUDGET_TEST_PAUSE"


def pause(point: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    where, _, seconds = spec.partition(":")
    if where != point:
        return
    print(f"{ENV} {point}", file=sys.stderr, flush=True)
    time.sleep(float(seconds or 60))
