import { useTranslation } from "react-i18next";
import { ActivityStatus, AdviceStatus } from "../gen/fitcoach/activity/v1/activity_service_pb.js";

const NAMES: Record<ActivityStatus, string> = {
  [ActivityStatus.UNSPECIFIED]: "unknown",
  [ActivityStatus.PENDING]: "pending",
  [ActivityStatus.UPLOADED]: "queued",
  [ActivityStatus.ANALYZING]: "analyzing",
  [ActivityStatus.ANALYZED]: "analyzed",
  [ActivityStatus.FAILED]: "failed",
  [ActivityStatus.DUPLICATE]: "duplicate",
};

/** An activity's place in the pipeline, in words (analyzed with advice → "advice ready"). */
export function StatusBadge({ status, advice }: { status: ActivityStatus; advice: AdviceStatus }) {
  const { t } = useTranslation();
  const name = status === ActivityStatus.ANALYZED && advice === AdviceStatus.READY ? "adviceReady" : NAMES[status];
  return (
    <span className={`badge badge-${name}`} data-status={name}>
      {t(`status.${name}`)}
    </span>
  );
}
