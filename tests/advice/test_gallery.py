"""docs/advice-examples.md is what the scenario athletes are told today: regenerated here and compared."""

from __future__ import annotations

import difflib

from support.gallery import GALLERY, render


async def test_the_advice_gallery_is_fresh() -> None:
    expected = await render()
    committed = GALLERY.read_text(encoding="utf-8") if GALLERY.exists() else ""
    if committed != expected:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                "committed",
                "generated",
                n=1,
            )
        )
        raise AssertionError(f"docs/advice-examples.md is stale: run `make advice-examples`.\n{diff[:4000]}")
