"""The pytest fixtures give each test real, isolated servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from botocore.exceptions import ClientError
from fitcoach_stack.pytest_plugin import S3Bucket
from fitcoach_stack.servers import NatsServer, PostgresServer, S3Credentials


async def test_database_url_is_a_fresh_database_per_test(database_url: str, pg_server: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        await conn.execute("CREATE TABLE marker (id int)")
        name = await conn.fetchval("SELECT current_database()")
    finally:
        await conn.close()
    assert name.startswith("t_") and name in database_url
    assert database_url != pg_server


async def test_database_url_is_dropped_after_the_test(postgres_server: PostgresServer) -> None:
    # The previous test's database was dropped: only our per-test names would start with t_.
    conn = await asyncpg.connect(postgres_server.dsn)
    try:
        leftover = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'")
    finally:
        await conn.close()
    assert leftover == []


def test_postgres_runs_on_a_free_port_not_the_standard_one(postgres_server: PostgresServer) -> None:
    assert postgres_server.port != 5432
    assert postgres_server.psql("SHOW fsync").strip() == "off"  # test server: speed over durability


async def test_nats_url_has_jetstream(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        stream = f"T{os.getpid()}_{id(nc)}"
        await js.add_stream(name=stream, subjects=[f"{stream}.>"])
        ack = await js.publish(f"{stream}.x", b"hello", headers={"Nats-Msg-Id": "1"})
        dup = await js.publish(f"{stream}.x", b"hello", headers={"Nats-Msg-Id": "1"})
        await js.delete_stream(stream)
    finally:
        await nc.close()
    assert ack.seq == 1 and dup.duplicate


async def test_nats_server_keeps_port_and_stream_across_restart(nats_server: NatsServer) -> None:
    url = nats_server.url
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="RESTART", subjects=["restart.>"])
    await js.publish("restart.a", b"1")
    await nc.close()

    nats_server.stop()
    assert not nats_server.running()
    nats_server.start()

    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("RESTART")
    finally:
        await nc.close()
    assert nats_server.url == url and info.state.messages == 1


def test_s3_bucket_accepts_signed_and_refuses_unsigned_or_tampered(s3_bucket: S3Bucket) -> None:
    client = s3_bucket.credentials.client()  # type: ignore[union-attr]
    body = b"fit bytes"
    url = client.generate_presigned_url(
        "put_object",
        Params={"Bucket": s3_bucket.bucket, "Key": "users/a/x.fit", "ContentLength": len(body)},
        ExpiresIn=60,
    )
    assert httpx.put(url, content=body).status_code == 200
    assert client.get_object(Bucket=s3_bucket.bucket, Key="users/a/x.fit")["Body"].read() == body
    # Same signature, other key: the store must recompute and refuse.
    assert httpx.put(url.replace("users/a/", "users/b/"), content=body).status_code == 403
    assert httpx.put(f"{s3_bucket.endpoint_url}/{s3_bucket.bucket}/anon.fit", content=body).status_code == 403
    assert httpx.get(f"{s3_bucket.endpoint_url}/{s3_bucket.bucket}/users/a/x.fit").status_code == 403


def test_s3_wrong_secret_is_refused(s3_server: S3Credentials, s3_bucket: S3Bucket) -> None:
    wrong = S3Credentials(s3_server.endpoint_url, s3_server.access_key, "not-the-secret", s3_server.region)
    with pytest.raises(ClientError) as err:
        wrong.client().head_bucket(Bucket=s3_bucket.bucket)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_s3_bucket_env_is_what_the_services_read(s3_server: S3Credentials, s3_bucket: S3Bucket) -> None:
    env = s3_bucket.env()
    assert env["R2_BUCKET_NAME"] == s3_bucket.bucket
    assert env["S3_ENDPOINT_URL"] == s3_server.endpoint_url != "http://127.0.0.1:9000"
    assert (env["R2_ACCESS_KEY"], env["R2_SECRET_KEY"]) == (s3_server.access_key, s3_server.secret_key)


def test_clean_env_removes_fitcoach_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    # clean_env ran before this test; anything the developer exported is gone.
    leaked = [k for k in os.environ if k.startswith(("DATABASE_", "NATS_", "R2_", "SUPABASE_", "GEMINI_"))]
    assert leaked == []


def test_servers_run_as_children_in_their_own_process_groups(postgres_server: PostgresServer) -> None:
    pid = postgres_server._proc.pid  # type: ignore[union-attr]
    assert pid is not None
    out = subprocess.run(["ps", "-o", "pgid=", "-p", str(pid)], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == pid


def test_servers_die_with_a_parent_that_was_killed(tmp_path: Path) -> None:
    # A test run killed with SIGKILL never reaches its teardown: the kernel must stop the servers.
    script = (
        "import sys, time, pathlib\n"
        "from fitcoach_stack.servers import NatsServer, PostgresServer\n"
        "d = pathlib.Path(sys.argv[1])\n"
        "n = NatsServer(d / 'nats'); n.start()\n"
        "p = PostgresServer(d / 'pg', durable=False); p.start()\n"
        "print(n._proc.pid, p._proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    parent.stdout.close()
    assert len(pids) == 2 and all(Path(f"/proc/{pid}").exists() for pid in pids)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; it waits only for its (dead) parent's reaper


def test_a_killed_postgres_keeps_every_commit_it_acknowledged(tmp_path: Path) -> None:
    # Found by the chaos soak: with synchronous_commit=off a killed server forgot commits it had answered
    # (the analyzer had acked the event after them), so the activity stayed `analyzing` forever. Test servers
    # skip fsync (an OS crash may lose data) but must survive a crash of PostgreSQL itself, as production does.
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    try:
        server.psql("CREATE TABLE acked (n int PRIMARY KEY)")
        # One transaction per row, as the services commit; the kill follows the last answer at once.
        server.psql("".join(f"INSERT INTO acked VALUES ({n});" for n in range(1, 201)))
        server.kill()
        server.start()
        assert server.psql("SELECT count(*), max(n) FROM acked").strip() == "200|200"
    finally:
        server.stop()
