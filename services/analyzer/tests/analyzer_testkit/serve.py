"""`python -m analyzer_testkit.serve <stand-in>`: the analyzer service, wired exactly as
`python -m analyzer_service` (main.main), but its decode workers run a stand-in from `stand_ins.STAND_INS`.

Tests that kill or signal a real analyzer process start it this way (with this folder's parent on
PYTHONPATH); the deployed service has no way to run anything but the real analysis.
"""

from __future__ import annotations

import sys

from analyzer_service.main import main
from fitcoach_runtime.grpc_server import main_entry

from .stand_ins import STAND_INS

if __name__ == "__main__":
    main_entry(lambda: main(analysis_code=STAND_INS[sys.argv[1]]))
