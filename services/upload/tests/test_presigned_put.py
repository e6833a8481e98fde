"""The presigned PUT URL: exactly the signed bytes, at exactly the signed key, before expiry — or the store refuses."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import urllib.parse
import uuid

import pytest
from fitcoach_runtime.errors import FailedPrecondition, Unavailable
from fitcoach_runtime.storage import object_key, s3_client
from upload_service.store import S3ObjectStore, headers_to_send


def signed_headers(url: str) -> set[str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return set(query["X-Amz-SignedHeaders"][0].split(";"))


async def test_url_signs_length_type_and_checksum_and_headers_match(parts, user_id, make_file):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert signed_headers(ticket.url) >= {"content-length", "content-type", "x-amz-checksum-sha256", "host"}
    # Every signed header except Host (set by the HTTP client) is handed to the client, with its value.
    assert signed_headers(ticket.url) - {"host"} == {name.lower() for name in ticket.headers}
    assert (
        ticket.headers["x-amz-checksum-sha256"]
        == base64.b64encode(hashlib.sha256(fit.body).digest()).decode()
    )
    assert ticket.headers["Content-Type"] == "application/octet-stream"
    assert urllib.parse.urlsplit(ticket.url).path.endswith(object_key(user_id, ticket.activity_id))


async def test_url_is_signed_for_the_public_endpoint(upload_env, make_file, user_id):
    from contextlib import AsyncExitStack

    from fitcoach_runtime.settings import load_settings
    from upload_service.main import open_components
    from upload_service.settings import UploadSettings

    settings = load_settings(
        UploadSettings, {**upload_env, "S3_PUBLIC_ENDPOINT_URL": "https://files.example.test"}
    )
    async with AsyncExitStack() as resources:
        parts = await open_components(resources, settings)
        fit = make_file()
        ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert ticket.url.startswith("https://files.example.test/")


@pytest.mark.parametrize("delta", [+1, -1], ids=["longer", "shorter"])
async def test_body_of_another_length_is_refused(parts, user_id, make_file, put, delta):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    body = fit.body + b"x" if delta > 0 else fit.body[:-1]
    # An honest HTTP client sends the body's real length, which no longer matches the signed one.
    headers = {k: v for k, v in ticket.headers.items() if k.lower() != "content-length"}
    response = await put(ticket, body, headers=headers)
    assert response.status_code == 403, response.text
    with pytest.raises(FailedPrecondition, match="object not uploaded"):
        await parts.service.complete_upload(user_id, ticket.activity_id)


async def test_other_bytes_of_the_same_length_are_refused(parts, user_id, make_file, put):
    # SeaweedFS (like S3 and R2) checks the signed x-amz-checksum-sha256: the signature holds, the bytes don't,
    # so 400 BadDigest, not 403. The analyzer re-checks anyway (a lenient store: test_lenient_store.py).
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    response = await put(ticket, bytes(b ^ 0xFF for b in fit.body))
    assert (response.status_code, "<Code>BadDigest</Code>" in response.text) == (400, True), response.text
    assert await parts.service.objects.object_size(object_key(user_id, ticket.activity_id)) is None


async def test_missing_or_changed_headers_are_refused(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    for name in ("Content-Type", "x-amz-checksum-sha256"):
        without = {k: v for k, v in ticket.headers.items() if k != name}
        assert (await put(ticket, fit.body, headers=without)).status_code == 403, name
    changed = {**ticket.headers, "Content-Type": "text/plain"}
    assert (await put(ticket, fit.body, headers=changed)).status_code == 403


async def test_tampered_url_is_refused(parts, user_id, make_file, put):
    victim = str(uuid.uuid4())
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    victim_ticket = await parts.service.create_upload(victim, "v.fit", fit.size, fit.sha256)

    own_key = object_key(user_id, ticket.activity_id)
    victim_key = object_key(victim, victim_ticket.activity_id)
    assert (await put(ticket, fit.body, url=ticket.url.replace(own_key, victim_key))).status_code == 403

    split = urllib.parse.urlsplit(ticket.url)
    query = dict(urllib.parse.parse_qsl(split.query))
    signature = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    forged = split._replace(query=urllib.parse.urlencode(query)).geturl()
    assert (await put(ticket, fit.body, url=forged)).status_code == 403

    query["X-Amz-Signature"] = signature
    query["X-Amz-Expires"] = "604800"  # stretching the lifetime breaks the signature too
    stretched = split._replace(query=urllib.parse.urlencode(query)).geturl()
    assert (await put(ticket, fit.body, url=stretched)).status_code == 403

    # Nothing reached either key.
    assert await parts.service.objects.object_size(victim_key) is None
    assert await parts.service.objects.object_size(own_key) is None


async def test_expired_url_is_refused(parts, user_id, make_file, put):
    fit = make_file()
    parts.service.url_ttl_s = 1
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    # SigV4 expiry has one-second resolution: wait until the URL is past X-Amz-Date + 1 s for sure.
    await asyncio.sleep(2.1)
    assert (await put(ticket, fit.body)).status_code == 403


def test_headers_follow_what_botocore_signed():
    headers = headers_to_send(["content-length", "content-type", "host", "x-amz-checksum-sha256"], 10, "abc=")
    assert headers == {
        "Content-Length": "10",
        "Content-Type": "application/octet-stream",
        "x-amz-checksum-sha256": "abc=",
    }
    with_algorithm = headers_to_send(
        ["content-length", "content-type", "host", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"],
        10,
        "abc=",
    )
    assert with_algorithm["x-amz-sdk-checksum-algorithm"] == "SHA256"
    with pytest.raises(RuntimeError, match="x-amz-meta-foo"):
        headers_to_send(
            ["content-length", "content-type", "host", "x-amz-checksum-sha256", "x-amz-meta-foo"], 1, "a"
        )
    with pytest.raises(RuntimeError, match="content-length"):
        headers_to_send(["content-type", "host", "x-amz-checksum-sha256"], 1, "a")


async def test_presigned_urls_never_reach_the_logs(parts, user_id, make_file, put, caplog):
    fit = make_file()
    # botocore.auth logs every signature at DEBUG; fitcoach_runtime.logging.configure_logging caps botocore at
    # WARNING whatever LOG_LEVEL says, and this test holds the service to that same policy.
    caplog.set_level("WARNING", logger="botocore")
    caplog.set_level("WARNING", logger="aiobotocore")
    with caplog.at_level("DEBUG"):
        ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
        again = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    # (the test's own HTTP client logs the URL it PUTs to, so the PUT happens outside the capture)
    assert (await put(again, fit.body)).status_code == 200
    with caplog.at_level("DEBUG"):
        await parts.service.complete_upload(user_id, ticket.activity_id)
    signature = urllib.parse.parse_qs(urllib.parse.urlsplit(ticket.url).query)["X-Amz-Signature"][0]
    second = urllib.parse.parse_qs(urllib.parse.urlsplit(again.url).query)["X-Amz-Signature"][0]
    logged = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')} {r.args}" for r in caplog.records)
    assert "upload created" in logged  # the service did log, just not the credential
    assert signature not in logged and second not in logged


async def test_a_store_refusing_our_credentials_is_unavailable_not_missing(
    parts, user_id, make_file, put, s3_bucket
):
    # A rotated or revoked key: the store answers 403 to HEAD and DELETE. That is the store's problem to fix,
    # so UNAVAILABLE (retry later), never "object not uploaded" and never a silently skipped delete.
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    key = object_key(user_id, ticket.activity_id)
    revoked = dataclasses.replace(s3_bucket.settings(), secret_key="not-the-secret")
    async with s3_client(revoked) as client:
        objects = S3ObjectStore(client, client, s3_bucket.bucket)
        with pytest.raises(Unavailable):
            await objects.object_size(key)
        with pytest.raises(Unavailable):
            await objects.delete(key)
    assert await parts.service.objects.object_size(key) == fit.size  # still there
