// The operators' page (issue 8 §5): the pipeline dashboard, replay, dead letters, the legacy migration and
// the storage cost, each a section under /ops. Loaded only when opened (App.tsx: React.lazy), so athletes
// never download it. The server decides who is an operator; anyone else who opens /ops gets a clear
// "operators only" answer from the first call, and nothing more is asked.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, NavLink, Route, Routes } from "react-router-dom";
import { Card, Loading } from "../../components/ui.js";
import { OpsService } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { errorKind } from "../../lib/errors.js";
import { DEFAULT_WINDOW_DAYS, statsRequest, STATS_REFRESH_MS } from "./api.js";
import { CostSection } from "./CostSection.js";
import { Dashboard } from "./Dashboard.js";
import { DeadLettersSection } from "./DeadLettersSection.js";
import { MigrationsSection } from "./MigrationsSection.js";
import { addQueueSample, type QueueSample } from "./figures.js";
import { ReplaySection } from "./ReplaySection.js";
import "./i18n.js";
import "./ops.css";

export default function OpsPage() {
  const { t } = useTranslation();
  // The dashboard's own query (same request, so one call): it also answers "may this person be here?".
  const stats = useQuery(OpsService.method.getPipelineStats, statsRequest(DEFAULT_WINDOW_DAYS), {
    refetchInterval: (query) => (errorKind(query.state.error) === "forbidden" ? false : STATS_REFRESH_MS),
  });
  const [queue, setQueue] = useState<QueueSample[]>([]);
  useEffect(() => {
    const figures = stats.data;
    if (!figures?.queue || !figures.generatedAt) return;
    const sample = {
      at: timestampDate(figures.generatedAt).getTime(),
      pending: Number(figures.queue.pending),
      ackPending: Number(figures.queue.ackPending),
    };
    setQueue((history) => addQueueSample(history, sample));
  }, [stats.data]);

  if (stats.isPending) return <Loading />;
  if (stats.isError && errorKind(stats.error) === "forbidden") return <OperatorsOnly />;
  const deadLetters = stats.data?.deadLetters ?? 0n;
  return (
    <div className="ops" data-testid="ops-page">
      <div className="ops-head">
        <h1>{t("ops.title")}</h1>
        <nav className="ops-nav" aria-label={t("ops.sections")}>
          <NavLink to="/ops" end>
            {t("ops.nav.dashboard")}
          </NavLink>
          <NavLink to="/ops/replay">{t("ops.nav.replay")}</NavLink>
          <NavLink to="/ops/dead-letters">
            {t("ops.nav.deadLetters")}
            {deadLetters > 0n && (
              <span className="badge badge-failed" data-testid="dead-letter-count">
                {String(deadLetters)}
              </span>
            )}
          </NavLink>
          <NavLink to="/ops/migrations">{t("ops.nav.migrations")}</NavLink>
          <NavLink to="/ops/cost">{t("ops.nav.cost")}</NavLink>
        </nav>
      </div>
      <Routes>
        <Route index element={<Dashboard queue={queue} />} />
        <Route path="replay" element={<ReplaySection />} />
        <Route path="dead-letters" element={<DeadLettersSection />} />
        <Route path="migrations" element={<MigrationsSection />} />
        <Route path="cost" element={<CostSection />} />
        <Route path="*" element={<Navigate to="/ops" replace />} />
      </Routes>
    </div>
  );
}

function OperatorsOnly() {
  const { t } = useTranslation();
  return (
    <Card title={t("ops.forbidden.title")} id="ops-forbidden">
      <p data-testid="ops-forbidden">{t("ops.forbidden.body")}</p>
      <Link to="/">{t("detail.back")}</Link>
    </Card>
  );
}
