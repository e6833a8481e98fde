"""Write docs/advice-examples.md from the scenario athletes (`make advice-examples`)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

# The scenario athletes live beside the tests that check them (tests/support).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.gallery import write


def main() -> None:
    print(f"wrote {asyncio.run(write())}")


if __name__ == "__main__":
    main()
