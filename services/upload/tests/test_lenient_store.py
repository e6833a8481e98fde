"""A lenient store, and the upload service's own checks that catch what it lets through.

moto's S3 server, like some S3-compatible stores, checks neither the signature nor the signed Content-Length
and x-amz-checksum-sha256 of a presigned PUT. SeaweedFS, S3 and R2 refuse such PUTs (test_presigned_put.py),
so only here do wrong bytes arrive through the service's own URL — which is why the service checks the
stored size itself and the analyzer re-checks the sha256 (analyzer tests: test_object_reader_contract.py).
"""

from __future__ import annotations

import pytest
from fitcoach.upload.v1 import events_pb2
from fitcoach_runtime.errors import FailedPrecondition


@pytest.fixture
def s3_bucket(moto_bucket):
    """The service under test (`parts`) stores into a fresh bucket on moto."""
    return moto_bucket


async def test_a_longer_body_lands_but_cannot_be_completed(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    # An honest HTTP client sends the body's real length, not the signed one; this store takes it anyway.
    headers = {k: v for k, v in ticket.headers.items() if k.lower() != "content-length"}
    assert (await put(ticket, fit.body + b"x", headers=headers)).status_code == 200
    expected = f"stored object is {fit.size + 1} bytes, expected {fit.size}"
    with pytest.raises(FailedPrecondition, match=expected):
        await parts.service.complete_upload(user_id, ticket.activity_id)
    assert await parts.pool.fetchval("SELECT count(*) FROM upload.outbox") == 0  # nothing queued
    assert await parts.pool.fetchval("SELECT status FROM upload.activities") == "pending"


async def test_other_bytes_of_the_same_length_complete_with_the_declared_sha256(
    parts, user_id, make_file, put
):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    other = bytes(b ^ 0xFF for b in fit.body)
    assert (await put(ticket, other)).status_code == 200  # the signed checksum is not enforced here
    # The size matches, so the upload completes; the event carries the sha256 the client declared, never one
    # taken from the store, so the analyzer refuses these bytes when it reads them.
    assert await parts.service.complete_upload(user_id, ticket.activity_id) == (
        ticket.activity_id,
        "uploaded",
    )
    payload = await parts.pool.fetchval("SELECT payload FROM upload.outbox")
    assert events_pb2.UploadCompleted.FromString(payload).sha256 == fit.sha256
