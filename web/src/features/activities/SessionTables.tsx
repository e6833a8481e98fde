// Laps, splits, zones, best efforts and pool details of one session, in the sport's units.
import { useTranslation } from "react-i18next";
import type { BestEffort, Lap, Session, Split, Swim, Zone } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { formatDuration, isNumber, type SportKind } from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";

function averageSpeed(distanceM: number | undefined, timeS: number | undefined): number | undefined {
  return isNumber(distanceM) && isNumber(timeS) && timeS > 0 ? distanceM / timeS : undefined;
}

export function LapsTable({ laps, sport }: { laps: Lap[]; sport: SportKind }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  if (laps.length === 0) return null;
  const hasPower = laps.some((l) => isNumber(l.metrics?.avgPowerW));
  return (
    <div className="table-wrap">
      <table className="responsive" data-testid="laps-table">
        <caption>{t("detail.laps")}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col" className="num">{t("metrics.timerTimeS")}</th>
            <th scope="col" className="num">{t("metrics.distanceM")}</th>
            <th scope="col" className="num">{sport === "run" || sport === "swim" ? t("charts.pace") : t("charts.speed")}</th>
            <th scope="col" className="num">{t("metrics.avgHrBpm")}</th>
            <th scope="col" className="num">{t("metrics.maxHrBpm")}</th>
            {hasPower && <th scope="col" className="num">{t("metrics.avgPowerW")}</th>}
            <th scope="col" className="num">{t("metrics.ascentM")}</th>
          </tr>
        </thead>
        <tbody>
          {laps.map((lap) => {
            const m = lap.metrics;
            return (
              <tr key={lap.index}>
                <th scope="row">{lap.index}</th>
                <td data-label={t("metrics.timerTimeS")} className="num">{formatDuration(m?.timerTimeS)}</td>
                <td data-label={t("metrics.distanceM")} className="num">{fmt.distance(m?.distanceM, sport)}</td>
                <td data-label={t("charts.pace")} className="num">{fmt.pacing(m?.avgSpeedMps ?? averageSpeed(m?.distanceM, m?.timerTimeS), sport)}</td>
                <td data-label={t("metrics.avgHrBpm")} className="num">{fmt.heartRate(m?.avgHrBpm)}</td>
                <td data-label={t("metrics.maxHrBpm")} className="num">{fmt.heartRate(m?.maxHrBpm)}</td>
                {hasPower && <td data-label={t("metrics.avgPowerW")} className="num">{fmt.power(m?.avgPowerW)}</td>}
                <td data-label={t("metrics.ascentM")} className="num">{fmt.elevation(m?.ascentM)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function SplitsTable({ session, sport }: { session: Session; sport: SportKind }) {
  const { t } = useTranslation();
  const { fmt, units } = usePreferences();
  const splits: Split[] = units === "imperial" ? session.splitsMile : session.splitsKm;
  if (splits.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="responsive" data-testid="splits-table">
        <caption>{units === "imperial" ? t("detail.splitsMile") : t("detail.splitsKm")}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col" className="num">{t("metrics.distanceM")}</th>
            <th scope="col" className="num">{t("detail.splitTime")}</th>
            <th scope="col" className="num">{sport === "ride" || sport === "other" ? t("charts.speed") : t("charts.pace")}</th>
            <th scope="col" className="num">{t("metrics.avgHrBpm")}</th>
            <th scope="col" className="num">{t("metrics.ascentM")}</th>
            <th scope="col" className="num">{t("metrics.descentM")}</th>
          </tr>
        </thead>
        <tbody>
          {splits.map((split) => (
            <tr key={split.index}>
              <th scope="row">{split.index}</th>
              <td data-label={t("metrics.distanceM")} className="num">{fmt.distance(split.distanceM, sport)}</td>
              <td data-label={t("detail.splitTime")} className="num">{formatDuration(split.timeS)}</td>
              <td data-label={t("charts.pace")} className="num">{fmt.pacing(split.timeS > 0 ? split.distanceM / split.timeS : undefined, sport)}</td>
              <td data-label={t("metrics.avgHrBpm")} className="num">{fmt.heartRate(split.avgHrBpm)}</td>
              <td data-label={t("metrics.ascentM")} className="num">{fmt.elevation(split.ascentM)}</td>
              <td data-label={t("metrics.descentM")} className="num">{fmt.elevation(split.descentM)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Zones({ zones, kind }: { zones: Zone[]; kind: "hr" | "power" }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const total = zones.reduce((sum, z) => sum + z.seconds, 0);
  if (zones.length === 0 || total <= 0) return null;
  const unit = kind === "hr" ? "bpm" : "W";
  return (
    <div className="zones" data-testid={`zones-${kind}`}>
      <h3>{kind === "hr" ? t("detail.hrZones") : t("detail.powerZones")}</h3>
      <ol>
        {zones.map((z) => {
          const share = z.seconds / total;
          return (
            <li key={z.zone}>
              <span className="zone-name">
                Z{z.zone} <span className="muted small">{fmt.number(z.low)}{isNumber(z.high) ? `–${fmt.number(z.high)}` : "+"} {unit}</span>
              </span>
              <span className="zone-bar" aria-hidden="true">
                <span className={`zone-fill z${Math.min(z.zone, 7)}`} style={{ width: `${(share * 100).toFixed(1)}%` }} />
              </span>
              <span className="num">{formatDuration(z.seconds)} · {fmt.percent(share * 100, 0)}</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function BestEfforts({ efforts, sport }: { efforts: BestEffort[]; sport: SportKind }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  if (efforts.length === 0) return null;
  return (
    <div className="table-wrap">
      <table data-testid="best-efforts">
        <caption>{t("detail.bestEfforts")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("detail.effort")}</th>
            <th scope="col" className="num">{t("detail.splitTime")}</th>
            <th scope="col" className="num">{t("detail.effortValue")}</th>
          </tr>
        </thead>
        <tbody>
          {efforts.map((e) => (
            <tr key={e.name}>
              <th scope="row">{e.name}</th>
              <td className="num">{formatDuration(e.timeS)}</td>
              <td className="num">
                {isNumber(e.powerW) ? fmt.power(e.powerW) : isNumber(e.distanceM) && e.timeS > 0 ? fmt.pacing(e.distanceM / e.timeS, sport) : "–"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SwimCard({ swim }: { swim: Swim | undefined }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  if (!swim || (!swim.activeLengths && !isNumber(swim.poolLengthM))) return null;
  return (
    <dl className="stats" data-testid="swim">
      <div className="stat"><dt>{t("swim.poolLength")}</dt><dd>{fmt.distance(swim.poolLengthM, "swim")}</dd></div>
      <div className="stat"><dt>{t("swim.lengths")}</dt><dd>{fmt.number(swim.activeLengths)}</dd></div>
      <div className="stat"><dt>{t("swim.pace")}</dt><dd>{isNumber(swim.paceSPer100m) ? `${formatDuration(swim.paceSPer100m)} /100m` : "–"}</dd></div>
      <div className="stat"><dt>{t("swim.swolf")}</dt><dd>{fmt.number(swim.avgSwolf, 1)}</dd></div>
      <div className="stat"><dt>{t("swim.strokes")}</dt><dd>{fmt.number(swim.strokes)}</dd></div>
    </dl>
  );
}
