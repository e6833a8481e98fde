import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { StatusBadge } from "../../components/StatusBadge.js";
import { Card, EmptyState, LoadMore, QueryView } from "../../components/ui.js";
import { ActivityService, type Activity } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { formatDuration, sportKind } from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";
import { FILTER_SPORTS } from "./sports.js";

const PAGE_SIZE = 20;

export function ActivityListPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const sport = params.get("sport") ?? "";
  const query = useInfiniteQuery(
    ActivityService.method.listActivities,
    { pageSize: PAGE_SIZE, pageToken: "", sport },
    { pageParamKey: "pageToken", getNextPageParam: (page) => page.nextPageToken || undefined },
  );
  const activities = query.data?.pages.flatMap((p) => p.activities) ?? [];

  return (
    <Card
      title={t("activities.title")}
      id="activities"
      actions={
        <label className="inline-field">
          <span>{t("activities.sportFilter")}</span>
          <select
            value={sport}
            onChange={(e) => setParams(e.target.value ? { sport: e.target.value } : {}, { replace: true })}
            data-testid="sport-filter"
          >
            <option value="">{t("activities.allSports")}</option>
            {FILTER_SPORTS.map((s) => (
              <option key={s} value={s}>
                {t(`sports.${s}`)}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <QueryView query={query}>
        {() =>
          activities.length === 0 ? (
            <EmptyState title={sport ? t("activities.emptyFiltered") : t("activities.empty")}>
              {!sport && <p className="muted">{t("activities.emptyHint")}</p>}
            </EmptyState>
          ) : (
            <>
              <ActivityTable activities={activities} />
              <LoadMore query={query} />
            </>
          )
        }
      </QueryView>
    </Card>
  );
}

// Written out rather than through components/Table: this is the first page, and the shared table would add
// its code to what every visit downloads before anything shows.
function ActivityTable({ activities }: { activities: Activity[] }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  return (
    <div className="table-wrap">
      <table className="activities responsive" data-testid="activity-table">
        <thead>
          <tr>
            <th scope="col">{t("activities.col.sport")}</th>
            <th scope="col">{t("activities.col.date")}</th>
            <th scope="col">{t("activities.col.name")}</th>
            <th scope="col" className="num">{t("activities.col.distance")}</th>
            <th scope="col" className="num">{t("activities.col.time")}</th>
            <th scope="col" className="num">{t("activities.col.pace")}</th>
            <th scope="col" className="num">{t("activities.col.hr")}</th>
            <th scope="col" className="num">{t("activities.col.load")}</th>
          </tr>
        </thead>
        <tbody>
          {activities.map((a) => {
            const kind = sportKind(a.sport);
            const s = a.summary;
            const started = a.startTime ? timestampDate(a.startTime) : a.times?.createdAt ? timestampDate(a.times.createdAt) : undefined;
            return (
              <tr key={a.activityId} data-activity-id={a.activityId}>
                <td data-label={t("activities.col.sport")}>{a.sport ? t(`sports.${a.sport}`, { defaultValue: a.sport }) : <StatusBadge status={a.status} advice={a.adviceStatus} />}</td>
                <td data-label={t("activities.col.date")}>{fmt.dateTime(started, a.startTime ? a.localOffsetS : 0)}</td>
                <td data-label={t("activities.col.name")}>
                  <Link to={`/activities/${a.activityId}`}>{a.fileName || a.activityId}</Link>
                </td>
                <td data-label={t("activities.col.distance")} className="num">{fmt.distance(s?.distanceM, kind)}</td>
                <td data-label={t("activities.col.time")} className="num">{formatDuration(s?.movingTimeS ?? s?.timerTimeS)}</td>
                <td data-label={t("activities.col.pace")} className="num">{fmt.pacing(s?.avgSpeedMps, kind)}</td>
                <td data-label={t("activities.col.hr")} className="num">{fmt.heartRate(s?.avgHrBpm)}</td>
                <td data-label={t("activities.col.load")} className="num">{fmt.number(s?.trainingLoad, 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
