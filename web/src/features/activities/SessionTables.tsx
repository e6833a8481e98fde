// Laps, splits, zones, best efforts and pool details of one session, in the sport's units.
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Table, type Column } from "../../components/Table.js";
import type { BestEffort, Lap, Session, Split, Swim, Zone } from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { formatDuration, isNumber, readsPace, type SportKind } from "../../lib/format.js";
import { usePreferences } from "../../lib/preferences.js";

/** The pace-or-speed column's heading, as the sport reads it. */
function pacingLabel(t: TFunction, sport: SportKind): string {
  return readsPace(sport) ? t("charts.pace") : t("charts.speed");
}

function averageSpeed(distanceM: number | undefined, timeS: number | undefined): number | undefined {
  return isNumber(distanceM) && isNumber(timeS) && timeS > 0 ? distanceM / timeS : undefined;
}

export function LapsTable({ laps, sport }: { laps: Lap[]; sport: SportKind }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  if (laps.length === 0) return null;
  const hasPower = laps.some((l) => isNumber(l.metrics?.avgPowerW));
  const columns: Column<Lap>[] = [
    { key: "index", label: "#", rowHeader: true, cell: (lap) => lap.index },
    { key: "time", label: t("metrics.timerTimeS"), numeric: true, cell: (lap) => formatDuration(lap.metrics?.timerTimeS) },
    { key: "distance", label: t("metrics.distanceM"), numeric: true, cell: (lap) => fmt.distance(lap.metrics?.distanceM, sport) },
    {
      key: "pacing",
      label: pacingLabel(t, sport),
      numeric: true,
      cell: ({ metrics: m }) => fmt.pacing(m?.avgSpeedMps ?? averageSpeed(m?.distanceM, m?.timerTimeS), sport),
    },
    { key: "avgHr", label: t("metrics.avgHrBpm"), numeric: true, cell: (lap) => fmt.heartRate(lap.metrics?.avgHrBpm) },
    { key: "maxHr", label: t("metrics.maxHrBpm"), numeric: true, cell: (lap) => fmt.heartRate(lap.metrics?.maxHrBpm) },
    ...(hasPower ? [{ key: "power", label: t("metrics.avgPowerW"), numeric: true, cell: (lap: Lap) => fmt.power(lap.metrics?.avgPowerW) }] : []),
    { key: "ascent", label: t("metrics.ascentM"), numeric: true, cell: (lap) => fmt.elevation(lap.metrics?.ascentM) },
  ];
  return <Table testid="laps-table" caption={t("detail.laps")} columns={columns} rows={laps} rowKey={(lap) => String(lap.index)} />;
}

export function SplitsTable({ session, sport }: { session: Session; sport: SportKind }) {
  const { t } = useTranslation();
  const { fmt, units } = usePreferences();
  const splits: Split[] = units === "imperial" ? session.splitsMile : session.splitsKm;
  if (splits.length === 0) return null;
  return (
    <Table
      testid="splits-table"
      caption={units === "imperial" ? t("detail.splitsMile") : t("detail.splitsKm")}
      rows={splits}
      rowKey={(split) => String(split.index)}
      columns={[
        { key: "index", label: "#", rowHeader: true, cell: (split) => split.index },
        { key: "distance", label: t("metrics.distanceM"), numeric: true, cell: (split) => fmt.distance(split.distanceM, sport) },
        { key: "time", label: t("detail.splitTime"), numeric: true, cell: (split) => formatDuration(split.timeS) },
        { key: "pacing", label: pacingLabel(t, sport), numeric: true, cell: (split) => fmt.pacing(averageSpeed(split.distanceM, split.timeS), sport) },
        { key: "avgHr", label: t("metrics.avgHrBpm"), numeric: true, cell: (split) => fmt.heartRate(split.avgHrBpm) },
        { key: "ascent", label: t("metrics.ascentM"), numeric: true, cell: (split) => fmt.elevation(split.ascentM) },
        { key: "descent", label: t("metrics.descentM"), numeric: true, cell: (split) => fmt.elevation(split.descentM) },
      ]}
    />
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
                {isNumber(e.powerW) ? fmt.power(e.powerW) : fmt.pacing(averageSpeed(e.distanceM, e.timeS), sport)}
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
