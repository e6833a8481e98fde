"""Configuration is read once and refused as a whole when wrong."""

from __future__ import annotations

import os

import pytest
from analyzer_service.settings import EVENTS_PER_CORE, AnalyzerSettings, available_cores
from fitcoach_runtime.settings import SettingsError, load_settings

BASE = {
    "DATABASE_URL": "postgresql://localhost/x",
    "NATS_URL": "nats://127.0.0.1:4222",
    "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
    "R2_ACCESS_KEY": "a",
    "R2_SECRET_KEY": "b",
    "R2_BUCKET_NAME": "fit",
    "SUPABASE_URL": "http://127.0.0.1:54321",
    "ADVISOR_ADDR": "127.0.0.1:50053",
    "ADVISOR_SERVICE_TOKEN": "analyzer-settings-advisor-token-" + "s" * 32,
}


def test_defaults() -> None:
    settings = load_settings(AnalyzerSettings, BASE)
    assert settings.decode.timeout_s == 60 and settings.decode.memory_mb == 1024
    assert settings.decode.max_bytes == 50 * 1024 * 1024
    assert settings.consumer.durable == "analyzer" and settings.consumer.max_deliver == 8
    assert settings.nats.stream == "FITCOACH_UPLOADS"


def test_every_problem_is_reported_at_once() -> None:
    env = {**BASE, "DECODE_TIMEOUT_S": "soon", "CONSUMER_MAX_DELIVER": "0"}
    del env["ADVISOR_ADDR"]
    with pytest.raises(SettingsError) as info:
        load_settings(AnalyzerSettings, env)
    message = str(info.value)
    assert "DECODE_TIMEOUT_S='soon'" in message and "ADVISOR_ADDR is required" in message
    with pytest.raises(SettingsError, match="CONSUMER_MAX_DELIVER must be at least 1"):
        load_settings(AnalyzerSettings, {**BASE, "CONSUMER_MAX_DELIVER": "0"})


def test_the_advisor_service_token_is_required_long_and_never_shown() -> None:
    settings = load_settings(AnalyzerSettings, BASE)
    assert settings.advisor.service_token == BASE["ADVISOR_SERVICE_TOKEN"]
    assert BASE["ADVISOR_SERVICE_TOKEN"] not in repr(settings)
    missing = {k: v for k, v in BASE.items() if k != "ADVISOR_SERVICE_TOKEN"}
    with pytest.raises(SettingsError, match="ADVISOR_SERVICE_TOKEN is required"):
        load_settings(AnalyzerSettings, missing)
    with pytest.raises(
        SettingsError, match="ADVISOR_SERVICE_TOKEN: service tokens must be at least 32"
    ) as info:
        load_settings(AnalyzerSettings, {**BASE, "ADVISOR_SERVICE_TOKEN": "short-secret"})
    assert "short-secret" not in str(info.value)


def test_concurrency_is_sized_from_the_cores_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("analyzer_service.settings.available_cores", lambda: 3)
    auto = load_settings(AnalyzerSettings, BASE)
    assert (auto.decode.pool_size, auto.consumer.in_flight) == (3, 3 * EVENTS_PER_CORE)
    fixed = load_settings(AnalyzerSettings, {**BASE, "DECODE_WORKERS": "1", "CONSUMER_CONCURRENCY": "5"})
    assert (fixed.decode.pool_size, fixed.consumer.in_flight) == (1, 5)
    with pytest.raises(SettingsError, match="DECODE_WORKERS must be 0"):
        load_settings(AnalyzerSettings, {**BASE, "DECODE_WORKERS": "-1"})
    with pytest.raises(SettingsError, match="ANALYSIS_LEASE_S must be at least 1"):
        load_settings(AnalyzerSettings, {**BASE, "ANALYSIS_LEASE_S": "0.5"})


def test_available_cores_follows_the_affinity_mask() -> None:
    cores = available_cores()
    assert 1 <= cores <= len(os.sched_getaffinity(0))
