// Replay: re-run upload events through the analyzer (OpsService.Replay), with the filters the RPC has. A dry
// run counts what matches and changes nothing; a real replay asks first, saying what the last dry run found.
import { useTranslation } from "react-i18next";
import type { ReplayProgress, ReplayRequest } from "../../gen/fitcoach/ops/v1/ops_service_pb.js";
import { opsClient } from "./api.js";
import { Checkbox, TextField } from "./fields.js";
import { ReplayRun } from "./RunPanel.js";
import { EMPTY_REPLAY_FORM, replayRequest } from "./requests.js";
import { RunFormCard, useRunForm } from "./RunForm.js";
import { useRun } from "./useRun.js";

const replayCall = (request: ReplayRequest, options: { signal: AbortSignal; timeoutMs: number }) => opsClient.replay(request, options);

export function ReplaySection() {
  const { t } = useTranslation();
  const run = useRun<ReplayRequest, ReplayProgress>(replayCall);
  const form = useRunForm(EMPTY_REPLAY_FORM, replayRequest, run.start);
  const { set, problem } = form;
  const values = form.form;
  // What the last dry run found, while the form still says what it was run with.
  const last = run.state.progress;
  const lastDry = last?.final && last.dryRun && form.dryRunIsCurrent ? last : undefined;

  return (
    <RunFormCard
      texts="ops.replay"
      form={form}
      running={run.state.running}
      detail={lastDry ? t("ops.replay.confirmDry", { matched: String(lastDry.matched), skipped: String(lastDry.skipped) }) : t("ops.replay.confirmNoDry")}
      run={<ReplayRun state={run.state} onStop={run.stop} testid="replay-run" />}
    >
      <fieldset className="form-grid">
        <legend>{t("ops.replay.range")}</legend>
        <TextField label={t("ops.replay.fromSequence")} value={values.fromSequence} onChange={(v) => set("fromSequence", v)} inputMode="numeric" problem={problem} field="fromSequence" />
        <TextField label={t("ops.replay.fromTime")} value={values.fromTime} onChange={(v) => set("fromTime", v)} type="datetime-local" problem={problem} field="fromTime" />
        <TextField label={t("ops.replay.toSequence")} value={values.toSequence} onChange={(v) => set("toSequence", v)} inputMode="numeric" problem={problem} field="toSequence" />
        <TextField label={t("ops.replay.toTime")} value={values.toTime} onChange={(v) => set("toTime", v)} type="datetime-local" problem={problem} field="toTime" />
      </fieldset>
      <fieldset className="form-grid">
        <legend>{t("ops.replay.filters")}</legend>
        <TextField label={t("ops.replay.userIds")} value={values.userIds} onChange={(v) => set("userIds", v)} multiline />
        <TextField label={t("ops.replay.activityIds")} value={values.activityIds} onChange={(v) => set("activityIds", v)} multiline />
        <div className="checks">
          <Checkbox label={t("ops.replay.failedOnly")} checked={values.failedOnly} onChange={(v) => set("failedOnly", v)} />
          <Checkbox label={t("ops.replay.olderVersionOnly")} checked={values.olderVersionOnly} onChange={(v) => set("olderVersionOnly", v)} />
          <Checkbox label={t("ops.replay.force")} checked={values.force} onChange={(v) => set("force", v)} />
        </div>
      </fieldset>
    </RunFormCard>
  );
}
