"""Storage client configuration: which endpoint and region sign. That the clients work against real stores,
and that an upload lands at the object key of docs/architecture.md, is proved end to end on SeaweedFS and
moto by services/upload/tests/test_store_contract.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fitcoach_runtime.settings import StorageSettings
from fitcoach_runtime.storage import object_key, s3_client


async def test_presign_uses_public_endpoint_path_style_and_region() -> None:
    settings = StorageSettings(
        access_key="AKTEST",
        secret_key="sk",
        bucket="fit",
        endpoint_url="http://127.0.0.1:1",
        public_endpoint_url="http://files.localhost:8333",
    )
    params = {"Bucket": "fit", "Key": object_key("u1", "a1")}
    async with s3_client(settings, public=True) as client:
        url = await client.generate_presigned_url("put_object", Params=params, ExpiresIn=60)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "files.localhost:8333",
        "/fit/users/u1/activities/a1.fit",
    )
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].split("/")[2] == "us-east-1"
    async with s3_client(settings) as client:
        internal = await client.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    assert internal.startswith("http://127.0.0.1:1/fit/")


async def test_r2_signs_with_region_auto() -> None:
    settings = StorageSettings(access_key="AK", secret_key="sk", bucket="fit", account_id="acc")
    async with s3_client(settings) as client:
        url = await client.generate_presigned_url(
            "get_object", Params={"Bucket": "fit", "Key": "k"}, ExpiresIn=60
        )
    assert url.startswith("https://acc.r2.cloudflarestorage.com/fit/k?")
    assert parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].split("/")[2] == "auto"
