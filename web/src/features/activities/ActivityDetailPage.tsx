import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { Card, ErrorState, Loading, Stat } from "../../components/ui.js";
import { StatusBadge } from "../../components/StatusBadge.js";
import {
  ActivityService,
  ActivityStatus,
  FailureKind,
  type Activity,
  type MetricSet,
  type Session,
} from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { Engine, type Advice } from "../../gen/fitcoach/advisor/v1/advisor_service_pb.js";
import { UploadService } from "../../gen/fitcoach/upload/v1/upload_service_pb.js";
import { activityClient } from "../../lib/clients.js";
import { errorKind } from "../../lib/errors.js";
import { sportKind, type SportKind } from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";
import { followActivity, isFinalStatus } from "../../lib/watch.js";
import { ActivityCharts, hasChartData } from "./Charts.js";
import { differs, formatMetric, metricValue, shownMetrics, type MetricGroup } from "./metrics.js";
import { PowerCurve } from "./PowerCurve.js";
import { trackPoints } from "./track.js";

// Leaflet is the largest piece of this page: loaded beside it, so the numbers and charts never wait for it.
const RouteMap = lazy(() => import("./RouteMap.js"));
import { BestEfforts, LapsTable, SplitsTable, SwimCard, Zones } from "./SessionTables.js";

export default function ActivityDetailPage() {
  const { activityId = "" } = useParams();
  const { t } = useTranslation();
  const query = useQuery(ActivityService.method.getActivity, { activityId });
  const activity = query.data?.activity;
  useLiveStatus(activity, () => void query.refetch());

  if (query.isPending) return <Loading />;
  if (query.isError) {
    return (
      <div data-testid={errorKind(query.error) === "notFound" ? "not-found" : "detail-error"}>
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        <Link to="/">{t("detail.back")}</Link>
      </div>
    );
  }
  if (!activity) return null;
  return <ActivityView activity={activity} />;
}

/** Whose fault a failure is: the file's (final), FitCoach's code, or its infrastructure (both analyzed again). */
const FAILURE_KINDS: Record<FailureKind, string> = {
  [FailureKind.UNSPECIFIED]: "unspecified",
  [FailureKind.BAD_FILE]: "badFile",
  [FailureKind.INTERNAL_ERROR]: "internalError",
  [FailureKind.GAVE_UP]: "gaveUp",
};

/** While the activity is still moving through the pipeline, follow it and refetch on every change. */
function useLiveStatus(activity: Activity | undefined, onChange: () => void) {
  const id = activity?.activityId;
  const final = activity ? isFinalStatus(activity) || activity.status === ActivityStatus.PENDING : true;
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (!id || final) return;
    const controller = new AbortController();
    const changed = () => latest.current();
    followActivity((req, opts) => activityClient.watchActivity(req, opts), id, changed, controller.signal).catch(() => {
      // NOT_FOUND (deleted meanwhile) or a closed session: the refetch shows it.
      if (!controller.signal.aborted) changed();
    });
    return () => controller.abort(); // leaving the page closes the stream
  }, [id, final]);
}

function ActivityView({ activity }: { activity: Activity }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const kind = sportKind(activity.sport);
  const sessions = activity.sessions;
  const [leg, setLeg] = useState(0);
  const session = sessions[Math.min(leg, sessions.length - 1)];
  const started = activity.startTime ? timestampDate(activity.startTime) : undefined;
  const points = useMemo(
    () => sessions.flatMap((s) => (s.streams ? trackPoints(s.streams.latDeg, s.streams.lonDeg) : [])),
    [sessions],
  );
  const single = sessions.length === 1 ? sessions[0] : undefined;

  return (
    <article className="detail" aria-labelledby="detail-title">
      <header className="detail-head">
        <div>
          <h1 id="detail-title">{activity.fileName}</h1>
          <p className="muted">
            {activity.sport && <span>{t(`sports.${activity.sport}`, { defaultValue: activity.sport })} · </span>}
            <span>{fmt.dateTime(started, activity.localOffsetS, "long")}</span>
            {activity.device && <span> · {activity.device}</span>}
          </p>
          <StatusBadge status={activity.status} advice={activity.adviceStatus} />
          {activity.status === ActivityStatus.FAILED && (
            <div className="banner banner-error" role="alert" data-testid="failure-reason" data-kind={FAILURE_KINDS[activity.failureKind]}>
              <p>
                {t("detail.failed")} {activity.failureReason}
              </p>
              {activity.failureKind !== FailureKind.UNSPECIFIED && (
                <p className="small" data-testid="failure-kind">
                  {t(`detail.failureKind.${FAILURE_KINDS[activity.failureKind]}`)}
                </p>
              )}
            </div>
          )}
          {activity.status === ActivityStatus.DUPLICATE && activity.duplicateOf && (
            <p className="banner">
              <Link to={`/activities/${activity.duplicateOf}`}>{t("upload.openExisting")}</Link>
            </p>
          )}
        </div>
        <OwnerActions activity={activity} />
      </header>

      {activity.summary && (
        <Card title={t("detail.summary")} id="summary">
          <MetricGrid group="headline" computed={single?.computed ?? activity.summary} device={single?.device} sport={kind} testid="summary" />
        </Card>
      )}

      {sessions.length > 1 && (
        <nav className="legs" aria-label={t("detail.legs")}>
          {sessions.map((s, i) => (
            <button key={i} type="button" className={`button small${i === leg ? " primary" : ""}`} aria-pressed={i === leg} onClick={() => setLeg(i)}>
              {i + 1}. {t(`sports.${s.sport}`, { defaultValue: s.sport })}
            </button>
          ))}
        </nav>
      )}

      {session && <SessionView session={session} multisport={sessions.length > 1} />}

      {points.length > 1 && (
        <Card title={t("detail.route")} id="route">
          <Suspense fallback={<Loading />}>
            <RouteMap points={points} />
          </Suspense>
        </Card>
      )}

      <AdviceCard advice={activity.advice} pending={activity.status === ActivityStatus.ANALYZED && !activity.advice} />
    </article>
  );
}

function SessionView({ session, multisport }: { session: Session; multisport: boolean }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const kind = sportKind(session.sport);
  return (
    <>
      {multisport && (
        <Card title={t(`sports.${session.sport}`, { defaultValue: session.sport })} id="leg">
          <MetricGrid group="headline" computed={session.computed} device={session.device} sport={kind} testid="leg-summary" />
        </Card>
      )}
      {session.streams && hasChartData(session.streams) && (
        <Card title={t("detail.charts")} id="charts">
          <ActivityCharts streams={session.streams} sport={kind} />
        </Card>
      )}
      <div className="grid-2">
        <Card title={t("detail.heart")} id="heart">
          <MetricGrid group="heart" computed={session.computed} device={session.device} sport={kind} />
          <Zones zones={session.hrZones} kind="hr" />
        </Card>
        <Card title={t("detail.load")} id="load">
          <MetricGrid group="load" computed={session.computed} device={session.device} sport={kind} />
          {session.defaultsUsed.length > 0 && (
            <p className="muted small">
              {t("detail.defaultsUsed")} {session.defaultsUsed.join("; ")}
            </p>
          )}
        </Card>
      </div>
      {(session.powerZones.length > 0 || session.powerCurve.length > 0 || metricValue(session.computed, "avgPowerW") !== undefined) && (
        <Card title={t("detail.power")} id="power">
          <MetricGrid group="power" computed={session.computed} device={session.device} sport={kind} />
          <Zones zones={session.powerZones} kind="power" />
          <PowerCurve points={session.powerCurve} />
        </Card>
      )}
      {session.swim && <Card title={t("detail.swim")} id="swim"><SwimCard swim={session.swim} /></Card>}
      {(session.laps.length > 0 || session.splitsKm.length > 0 || session.splitsMile.length > 0 || session.bestEfforts.length > 0) && (
        <Card title={t("detail.lapsAndSplits")} id="laps">
          <LapsTable laps={session.laps} sport={kind} />
          <SplitsTable session={session} sport={kind} />
          <BestEfforts efforts={session.bestEfforts} sport={kind} />
        </Card>
      )}
      {shownMetrics("more", session.computed, session.device, kind, fmt).length > 0 && (
        <Card title={t("detail.more")} id="more">
          <MetricGrid group="more" computed={session.computed} device={session.device} sport={kind} testid="more" />
          <p className="muted small">{t("detail.moreHint")}</p>
        </Card>
      )}
    </>
  );
}

function MetricGrid({ group, computed, device, sport, testid }: { group: MetricGroup; computed: MetricSet | undefined; device?: MetricSet; sport: SportKind; testid?: string }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const shown = shownMetrics(group, computed, device, sport, fmt);
  if (shown.length === 0) return <p className="muted">{t("detail.noneInGroup")}</p>;
  return (
    <dl className="stats" data-testid={testid}>
      {shown.map((d) => {
        const ours = metricValue(computed, d.field);
        const theirs = metricValue(device, d.field);
        const value = ours ?? theirs;
        return (
          <Stat
            key={d.field}
            metric={d.field}
            raw={value}
            label={t(`metrics.${d.field}`, { defaultValue: d.field })}
            value={formatMetric(fmt, d.kind, value, sport)}
            secondary={differs(ours, theirs) ? t("detail.deviceSays", { value: formatMetric(fmt, d.kind, theirs, sport) }) : undefined}
          />
        );
      })}
    </dl>
  );
}

function AdviceCard({ advice, pending }: { advice: Advice | undefined; pending: boolean }) {
  const { t } = useTranslation();
  if (!advice) {
    return pending ? (
      <Card title={t("advice.title")} id="advice">
        <p className="muted">{t("advice.pending")}</p>
      </Card>
    ) : null;
  }
  const name = t(advice.engine === Engine.GEMINI ? "advice.gemini" : advice.engine === Engine.OFFLINE ? "advice.offline" : "advice.unknownEngine");
  const engine = advice.model ? `${name} (${advice.model})` : name;
  return (
    <Card title={t("advice.title")} id="advice" className="advice">
      <p className="advice-summary">{advice.summary}</p>
      <div className="grid-2">
        {advice.wentWell.length > 0 && (
          <div>
            <h3>{t("advice.wentWell")}</h3>
            <ul>{advice.wentWell.map((s, i) => <li key={i}>{s}</li>)}</ul>
          </div>
        )}
        {advice.toImprove.length > 0 && (
          <div>
            <h3>{t("advice.toImprove")}</h3>
            <ul>{advice.toImprove.map((s, i) => <li key={i}>{s}</li>)}</ul>
          </div>
        )}
      </div>
      {advice.nextSession && (
        <>
          <h3>{t("advice.next")}</h3>
          <p>{advice.nextSession}</p>
        </>
      )}
      <p className="muted small" data-testid="advice-engine">
        {t("advice.engine", { engine })}
        {advice.fallbackReason && ` · ${t("advice.fallback", { reason: advice.fallbackReason })}`}
      </p>
    </Card>
  );
}

function OwnerActions({ activity }: { activity: Activity }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const download = useMutation(UploadService.method.getDownloadUrl, {
    onSuccess: (answer) => {
      // The URL serves the file as an attachment under its original name.
      const link = document.createElement("a");
      link.href = answer.downloadUrl;
      link.rel = "noopener";
      document.body.appendChild(link);
      link.click();
      link.remove();
    },
  });
  const remove = useMutation(UploadService.method.deleteActivity, {
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema: ActivityService, cardinality: undefined }) });
      navigate("/", { state: { deleted: activity.fileName } });
    },
  });
  const uploaded = activity.status !== ActivityStatus.PENDING;
  return (
    <div className="owner-actions">
      <button type="button" className="button" disabled={!uploaded || download.isPending} onClick={() => download.mutate({ activityId: activity.activityId })}>
        {t("detail.download")}
      </button>
      {!confirming ? (
        <button type="button" className="button danger" onClick={() => setConfirming(true)}>
          {t("detail.delete")}
        </button>
      ) : (
        <div className="confirm" role="group" aria-label={t("detail.deleteConfirm")}>
          <span>{t("detail.deleteConfirm")}</span>
          <button type="button" className="button danger" autoFocus disabled={remove.isPending} onClick={() => remove.mutate({ activityId: activity.activityId })}>
            {t("detail.deleteForGood")}
          </button>
          <button type="button" className="button" onClick={() => setConfirming(false)}>
            {t("common.cancel")}
          </button>
        </div>
      )}
      {(download.error || remove.error) && <ErrorState error={download.error ?? remove.error} />}
    </div>
  );
}
