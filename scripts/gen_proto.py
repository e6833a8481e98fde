"""Generate the Python stubs in libs/proto/src from protos/ (grpcio-tools, pinned to the grpcio version).

Usage: gen_proto.py [OUT_DIR]   (default: libs/proto/src). `--check` regenerates into a temporary folder
and fails when the committed stubs differ, which is the CI gate against stale generated code.
`--typescript` regenerates the web app's stubs in web/src/gen (buf generate + protoc-gen-es, buf.gen.yaml);
`--check-typescript` is their freshness gate.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "protos"
DEFAULT_OUT = ROOT / "libs" / "proto" / "src"
TS_OUT = Path("web") / "src" / "gen"  # relative to the output base buf writes under (buf.gen.yaml `out`)


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


def generate_typescript(out_base: Path = ROOT) -> Path:
    """buf generate (protoc-gen-es from node_modules, installed by `make venv`) into out_base/web/src/gen."""
    buf = ROOT / "node_modules" / ".bin" / "buf"
    if not buf.exists():
        raise SystemExit("node_modules/.bin/buf is missing: run `make venv`")
    subprocess.run(
        [str(buf), "generate", "--template", "buf.gen.yaml", "--output", str(out_base), "protos"],
        cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    return out_base / TS_OUT


def _stale(fresh: dict[Path, Path], committed: dict[Path, Path]) -> list[str]:
    return sorted(
        str(rel)
        for rel in set(fresh) | set(committed)
        if rel not in fresh
        or rel not in committed
        or not filecmp.cmp(fresh[rel], committed[rel], shallow=False)
    )


def check_typescript() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = generate_typescript(Path(tmp))
        committed_dir = ROOT / TS_OUT
        stale = _stale(
            {p.relative_to(fresh_dir): p for p in fresh_dir.rglob("*") if p.is_file()},
            {p.relative_to(committed_dir): p for p in committed_dir.rglob("*") if p.is_file()},
        )
    if stale:
        print("web/src/gen is stale; run `make proto`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print("web stubs are up to date")
    return 0


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh_root = Path(tmp)
        generate(fresh_root)
        stale = _stale(_tree(fresh_root), _tree(DEFAULT_OUT))
    if stale:
        print("generated stubs are stale; run `make proto`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print("generated stubs are up to date")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        raise SystemExit(check())
    if sys.argv[1:] == ["--check-typescript"]:
        raise SystemExit(check_typescript())
    if sys.argv[1:] == ["--typescript"]:
        print(generate_typescript().relative_to(ROOT))
        raise SystemExit(0)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in generate(out):
        print(path.relative_to(out))
