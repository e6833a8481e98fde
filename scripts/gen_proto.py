"""Generate the Python stubs in libs/proto/src from protos/ (grpcio-tools, pinned to the grpcio version).

Usage: gen_proto.py [OUT_DIR]   (default: libs/proto/src). `--check` regenerates into a temporary folder
and fails when the committed stubs differ, which is the CI gate against stale generated code.
"""

from __future__ import annotations

import filecmp
import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "protos"
DEFAULT_OUT = ROOT / "libs" / "proto" / "src"


def generate(out_dir: Path) -> list[Path]:
    """Run protoc for every .proto file and add the __init__.py files the packages need."""
    protos = sorted(PROTO_DIR.rglob("*.proto"))
    well_known = resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(p.relative_to(PROTO_DIR)) for p in protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    generated = sorted(p for p in (out_dir / "fitcoach").rglob("*") if p.is_file())
    for folder in {p.parent for p in generated}:
        while folder != out_dir:
            init = folder / "__init__.py"
            if not init.exists():
                init.write_text('"""Generated from protos/ by scripts/gen_proto.py; do not edit."""\n')
            folder = folder.parent
    (out_dir / "fitcoach" / "py.typed").write_text("")
    return sorted(p for p in (out_dir / "fitcoach").rglob("*") if p.is_file())


def _tree(base: Path) -> dict[Path, Path]:
    return {
        p.relative_to(base): p
        for p in (base / "fitcoach").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh_root = Path(tmp)
        generate(fresh_root)
        fresh, committed = _tree(fresh_root), _tree(DEFAULT_OUT)
        stale = sorted(
            str(rel)
            for rel in set(fresh) | set(committed)
            if rel not in fresh
            or rel not in committed
            or not filecmp.cmp(fresh[rel], committed[rel], shallow=False)
        )
    if stale:
        print("generated stubs are stale; run `make proto`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print("generated stubs are up to date")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        raise SystemExit(check())
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in generate(out):
        print(path.relative_to(out))
