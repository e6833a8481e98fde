"""Gateway and token discovery: flags, environment, `.fitcoach/stack.env` in the current folder or a parent."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from fitctl.config import ConfigError, Context, find_stack_env, parse_env_file, parse_gateway, stable_user_id


def write_stack_env(folder: Path, text: str) -> Path:
    path = folder / ".fitcoach" / "stack.env"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_stack_env_is_found_in_a_parent_folder(tmp_path: Path) -> None:
    path = write_stack_env(tmp_path, "FITCOACH_GATEWAY_URL=http://127.0.0.1:1234\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_stack_env(deep) == path
    assert Context(cwd=deep, environ={}).gateway().address == "127.0.0.1:1234"


def test_no_stack_env_means_a_readable_error(tmp_path: Path) -> None:
    assert find_stack_env(tmp_path) is None
    with pytest.raises(ConfigError, match="--gateway"):
        Context(cwd=tmp_path, environ={}).gateway()
    with pytest.raises(ConfigError, match="--token"):
        Context(cwd=tmp_path, environ={}).token()


def test_env_file_syntax(tmp_path: Path) -> None:
    path = write_stack_env(
        tmp_path, "# written by make run\n\nexport A=1\nB='two words'\nC=\"x=y\"\nnot a pair\nD=\n"
    )
    assert parse_env_file(path) == {"A": "1", "B": "two words", "C": "x=y", "D": ""}


def test_flag_beats_environment_beats_stack_env(tmp_path: Path) -> None:
    write_stack_env(tmp_path, "FITCOACH_GATEWAY_URL=http://from-file:1\n")
    env = {"FITCOACH_GATEWAY_URL": "http://from-env:2"}
    assert Context(cwd=tmp_path, environ={}).gateway().address == "from-file:1"
    assert Context(cwd=tmp_path, environ=env).gateway().address == "from-env:2"
    assert Context(gateway_flag="from-flag:3", cwd=tmp_path, environ=env).gateway().address == "from-flag:3"
    assert Context(token_flag="t1", cwd=tmp_path, environ={"FITCOACH_TOKEN": "t2"}).token() == "t1"
    assert Context(cwd=tmp_path, environ={"FITCOACH_TOKEN": "t2"}).token() == "t2"


@pytest.mark.parametrize(
    ("url", "address", "tls"),
    [
        ("http://127.0.0.1:8443", "127.0.0.1:8443", False),
        ("localhost:9", "localhost:9", False),
        ("https://api.fitcoach.example", "api.fitcoach.example:443", True),
        ("http://[::1]:7000/", "[::1]:7000", False),
    ],
)
def test_gateway_urls(url: str, address: str, tls: bool) -> None:
    target = parse_gateway(url)
    assert (target.address, target.tls) == (address, tls)


@pytest.mark.parametrize("url", ["ftp://host:1", "http://host:notaport", "http://"])
def test_bad_gateway_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_gateway(url)


def test_dev_user_is_stable_and_stored_beside_stack_env(tmp_path: Path) -> None:
    stack_env = write_stack_env(tmp_path, "SUPABASE_URL=http://x\n")
    (tmp_path / "sub").mkdir()
    first = Context(cwd=tmp_path, environ={}).dev_user_id()
    again = Context(cwd=tmp_path / "sub", environ={}).dev_user_id()
    assert first == again
    assert (stack_env.parent / "dev-user").read_text().strip() == first
    uuid.UUID(first)


def test_concurrent_first_runs_agree_on_one_dev_user(tmp_path: Path) -> None:
    path = tmp_path / ".fitcoach" / "dev-user"
    ids: list[str] = []
    threads = [threading.Thread(target=lambda: ids.append(stable_user_id(path))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 16 and len(set(ids)) == 1
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_corrupt_dev_user_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "dev-user"
    path.write_text("not-a-uuid")
    with pytest.raises(ConfigError, match="does not hold a UUID"):
        stable_user_id(path)
