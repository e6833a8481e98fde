"""What the upload service needs from any S3 API, on two independent implementations: every test here runs
on SeaweedFS and on moto's server (R2 is the third, in production), through the service's own S3ObjectStore
and fitcoach_runtime.storage client. What only a strict store refuses is in test_presigned_put.py; what a
lenient one lets through, in test_lenient_store.py."""

from __future__ import annotations

import uuid

import pytest
from fitcoach_runtime.errors import Unavailable
from fitcoach_runtime.settings import StorageSettings
from fitcoach_runtime.storage import object_key, s3_client
from fitcoach_stack.process import free_ports
from upload_service.store import S3ObjectStore


@pytest.fixture
def s3_bucket(any_s3_bucket):
    """The service under test (`parts`) stores into a fresh bucket on each S3 implementation in turn."""
    return any_s3_bucket


async def test_an_upload_lands_at_the_documented_key_with_its_bytes(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "morning run.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    # The key scheme of docs/architecture.md, spelled out: the legacy migration and operators rely on it,
    # and the user's file name is never part of it.
    key = f"users/{user_id}/activities/{ticket.activity_id}.fit"
    objects = parts.service.objects
    listed = await objects.client.list_objects_v2(Bucket=objects.bucket)
    assert [item["Key"] for item in listed["Contents"]] == [key]
    stored = await objects.client.get_object(Bucket=objects.bucket, Key=key)
    async with stored["Body"] as body:
        assert await body.read() == fit.body
    assert await objects.object_size(key) == fit.size
    assert await parts.service.complete_upload(user_id, ticket.activity_id) == (
        ticket.activity_id,
        "uploaded",
    )


async def test_a_missing_object_reads_as_none_and_delete_is_idempotent(parts, user_id, make_file, put):
    fit = make_file()
    ticket = await parts.service.create_upload(user_id, "a.fit", fit.size, fit.sha256)
    assert (await put(ticket, fit.body)).status_code == 200
    objects, key = parts.service.objects, object_key(user_id, ticket.activity_id)
    assert await objects.object_size(object_key(user_id, str(uuid.uuid4()))) is None
    await objects.delete(key)
    assert await objects.object_size(key) is None
    await objects.delete(key)  # deleting what is gone succeeds: the sweeper may retry after a crash


async def test_an_unreachable_store_is_unavailable_not_missing() -> None:
    # Nothing listens on the port: connection refused after the client's own retries (~3 s of backoff), which
    # CompleteUpload must answer UNAVAILABLE (retry later), not "object not uploaded".
    settings = StorageSettings(
        access_key="ak", secret_key="sk", bucket="b", endpoint_url=f"http://127.0.0.1:{free_ports(1)[0]}"
    )
    async with s3_client(settings) as client:
        with pytest.raises(Unavailable):
            await S3ObjectStore(client, client, settings.bucket).object_size("users/u/activities/a.fit")
