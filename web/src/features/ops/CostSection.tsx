// The storage cost (GetStorageCost): this month's R2 bill from what FitCoach stored and the storage
// operations the services counted, and a projection for a number of users under stated assumptions.
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Table } from "../../components/Table.js";
import { Card, QueryView, Stat } from "../../components/ui.js";
import { OpsService, type GetStorageCostResponse } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { usePreferences } from "../../lib/preferences.js";
import { formatBytes, formatCount, formatDollars } from "./format.js";

const DEFAULT_USERS = 1000;
const MONTH = /^\d{4}-\d{2}$/;

export function CostSection() {
  const { t } = useTranslation();
  const [usersText, setUsersText] = useState(String(DEFAULT_USERS));
  const [month, setMonth] = useState("");
  const users = /^\d{1,9}$/.test(usersText.trim()) ? Number(usersText) : DEFAULT_USERS;
  const query = useQuery(OpsService.method.getStorageCost, { users: BigInt(users), month: MONTH.test(month) ? month : "" });
  return (
    <Card
      title={t("ops.cost.title")}
      id="ops-cost"
      actions={
        <>
          <label className="inline-field">
            <span>{t("ops.cost.month")}</span>
            <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} data-testid="cost-month" />
          </label>
          <label className="inline-field">
            <span>{t("ops.cost.users")}</span>
            <input type="number" min={1} step={1} value={usersText} onChange={(e) => setUsersText(e.target.value)} className="narrow" data-testid="cost-users" />
          </label>
        </>
      }
    >
      <QueryView query={query}>{(cost) => <CostView cost={cost} />}</QueryView>
    </Card>
  );
}

function CostView({ cost }: { cost: GetStorageCostResponse }) {
  const { t } = useTranslation();
  const { fmt } = usePreferences();
  const usage = cost.usage;
  const projection = cost.projection;
  const prices = cost.prices;
  const operations = Object.entries(usage?.operations ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <h3>{t("ops.cost.month_of", { month: cost.month })}</h3>
      <dl className="stats" data-testid="cost-usage">
        <Stat metric="total" label={t("ops.cost.total")} value={formatDollars(fmt, usage?.totalCost)} raw={usage?.totalCost} />
        <Stat metric="storage" label={t("ops.cost.storage")} value={formatDollars(fmt, usage?.storageCost)} secondary={t("ops.cost.gbMonths", { value: fmt.number(usage?.gbMonthsProjected, 4) })} />
        <Stat metric="classA" label={t("ops.cost.classA")} value={formatDollars(fmt, usage?.classACost)} secondary={t("ops.cost.operations", { value: formatCount(fmt, usage?.classAOperations) })} />
        <Stat metric="classB" label={t("ops.cost.classB")} value={formatDollars(fmt, usage?.classBCost)} secondary={t("ops.cost.operations", { value: formatCount(fmt, usage?.classBOperations) })} />
        <Stat metric="stored" label={t("ops.cost.stored")} value={formatBytes(fmt, usage?.storedBytes)} secondary={t("ops.cost.objects", { value: formatCount(fmt, usage?.storedObjects) })} />
      </dl>
      {operations.length > 0 && (
        <Table
          testid="cost-operations"
          caption={t("ops.cost.byOperation")}
          rows={operations}
          rowKey={([name]) => name}
          columns={[
            { key: "operation", label: t("ops.col.operation"), cell: ([name]) => name },
            { key: "count", label: t("ops.col.count"), numeric: true, cell: ([, count]) => formatCount(fmt, count) },
          ]}
        />
      )}
      {projection && (
        <>
          <h3>{t("ops.cost.projection", { users: formatCount(fmt, projection.users) })}</h3>
          <p className="muted small">
            {t("ops.cost.assumptions", {
              uploads: fmt.number(projection.uploadsPerUser, 1),
              downloads: fmt.number(projection.downloadsPerUser, 1),
              stored: fmt.number(projection.storedMbPerUser, 1),
            })}{" "}
            {t("ops.cost.measured", {
              uploads: fmt.number(projection.measuredUploadsPerUser, 1),
              stored: fmt.number(projection.measuredStoredMbPerUser, 2),
            })}
          </p>
          <Table
            testid="cost-projection"
            rows={
              [
                ["storage", projection.storageCost],
                ["uploads", projection.uploadCost],
                ["downloads", projection.downloadCost],
                ["total", projection.totalCost],
              ] as [string, number][]
            }
            rowKey={([item]) => item}
            rowAttributes={([item, dollars]) => ({ "data-item": item, "data-value": dollars })}
            columns={[
              { key: "item", label: t("ops.col.item"), cell: ([item]) => t(`ops.cost.item.${item}`) },
              { key: "dollars", label: t("ops.col.perMonth"), numeric: true, cell: ([, dollars]) => formatDollars(fmt, dollars) },
            ]}
          />
        </>
      )}
      {prices && (
        <p className="muted small" data-testid="cost-prices">
          {t("ops.cost.prices", {
            storage: formatDollars(fmt, prices.storageGbMonth),
            classA: formatDollars(fmt, prices.classAPerMillion),
            classB: formatDollars(fmt, prices.classBPerMillion),
          })}
        </p>
      )}
    </>
  );
}
