"""deploy/'s Prometheus and Grafana files agree with the services: every service is scraped where compose
makes it listen, and every FitCoach metric the dashboard queries is one a service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def test_prometheus_scrapes_every_service_where_compose_serves_metrics() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    port = compose["x-service-env"]["METRICS_LISTEN"].rsplit(":", 1)[1]
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for group in job["static_configs"] for t in group["targets"]
    }
    assert {f"{name}:{port}" for name in ("upload", "analyzer", "advisor")} <= targets
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    assert (
        "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro"
        in compose["services"]["grafana"]["volumes"]
    )


def exported_metric_names() -> set[str]:
    """Every sample name the services' modules register (counters end in _total, histograms in _bucket ...)."""
    import analyzer_service.main  # noqa: F401 — registers the analyzer's metrics
    import upload_service.main  # noqa: F401 — and the upload service's

    names: set[str] = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        names |= {sample.name for sample in metric.samples}
        if metric.type == "counter":
            names.add(metric.name + "_total")
        if metric.type == "histogram":
            names |= {metric.name + suffix for suffix in ("_bucket", "_sum", "_count")}
    return names


def test_every_metric_the_dashboard_queries_is_exported() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "fitcoach.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bfitcoach_\w+", target["expr"])
    }
    assert len(queried) >= 12
    missing = queried - exported_metric_names()
    assert not missing, f"the dashboard queries metrics nobody exports: {sorted(missing)}"
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {datasource["datasources"][0]["uid"]}
