import { create } from "@bufbuild/protobuf";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Card, ErrorState, Loading } from "../../components/ui.js";
import {
  ActivityService,
  AthleteProfileSchema,
  Sex,
  UnitSystem,
  type AthleteProfile,
} from "../../gen/fitcoach/activity/v1/activity_service_pb.js";
import { serverMessage } from "../../lib/errors.js";

// The numbers a person types, as text while editing (empty = "use the default").
const NUMBER_FIELDS = [
  { key: "maxHrBpm", unit: "bpm" },
  { key: "restHrBpm", unit: "bpm" },
  { key: "thresholdHrBpm", unit: "bpm" },
  { key: "ftpW", unit: "W" },
  { key: "criticalPowerW", unit: "W" },
  { key: "wPrimeJ", unit: "J" },
  { key: "weightKg", unit: "kg" },
] as const;
type NumberKey = (typeof NUMBER_FIELDS)[number]["key"];
type Draft = Record<NumberKey, string> & { sex: Sex; language: string; units: UnitSystem };

function toDraft(p: AthleteProfile): Draft {
  const draft = { sex: p.sex, language: p.language, units: p.units } as Draft;
  for (const { key } of NUMBER_FIELDS) draft[key] = p[key] === undefined ? "" : String(p[key]);
  return draft;
}

export default function ProfilePage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const query = useQuery(ActivityService.method.getAthleteProfile, {});
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState<NumberKey[]>([]);
  const save = useMutation(ActivityService.method.updateAthleteProfile, {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema: ActivityService.method.getAthleteProfile, cardinality: undefined }) });
      setSaved(true);
    },
  });

  useEffect(() => {
    if (query.data?.profile && draft === null) setDraft(toDraft(query.data.profile));
  }, [query.data, draft]);

  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (!draft) return <Loading />;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    const bad = NUMBER_FIELDS.filter(({ key }) => draft[key].trim() !== "" && !Number.isFinite(Number(draft[key]))).map((f) => f.key);
    setInvalid(bad);
    if (bad.length) return;
    const base = query.data?.profile;
    const profile = create(AthleteProfileSchema, {
      thresholdPaceSPerKm: base?.thresholdPaceSPerKm, // not edited here: kept as it is
      sex: draft.sex,
      language: draft.language,
      units: draft.units,
    });
    for (const { key } of NUMBER_FIELDS) {
      const text = draft[key].trim();
      profile[key] = text === "" ? undefined : Number(text);
    }
    setSaved(false);
    save.mutate({ profile });
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setSaved(false);
    setDraft({ ...draft, [key]: value });
  };

  return (
    <Card title={t("profile.title")} id="profile">
      <form className="form profile-form" onSubmit={submit} noValidate>
        <p className="muted">{t("profile.hint")}</p>
        <div className="form-grid">
          {NUMBER_FIELDS.map(({ key, unit }) => (
            <label key={key} className="field">
              <span>
                {t(`profile.${key}`)} <span className="muted">({unit})</span>
              </span>
              <input
                name={key}
                inputMode="decimal"
                value={draft[key]}
                aria-invalid={invalid.includes(key)}
                onChange={(e) => set(key, e.target.value)}
                placeholder={t("profile.default")}
              />
              {invalid.includes(key) && <span className="field-error">{t("profile.notANumber")}</span>}
            </label>
          ))}
          <label className="field">
            <span>{t("profile.sex")}</span>
            <select name="sex" value={draft.sex} onChange={(e) => set("sex", Number(e.target.value) as Sex)}>
              <option value={Sex.UNSPECIFIED}>{t("profile.unset")}</option>
              <option value={Sex.FEMALE}>{t("profile.female")}</option>
              <option value={Sex.MALE}>{t("profile.male")}</option>
            </select>
          </label>
          <label className="field">
            <span>{t("profile.language")}</span>
            <select name="language" value={draft.language} onChange={(e) => set("language", e.target.value)}>
              <option value="">{t("profile.fromBrowser")}</option>
              <option value="ko">한국어</option>
              <option value="en">English</option>
            </select>
          </label>
          <label className="field">
            <span>{t("profile.units")}</span>
            <select name="units" value={draft.units} onChange={(e) => set("units", Number(e.target.value) as UnitSystem)}>
              <option value={UnitSystem.UNSPECIFIED}>{t("profile.fromLanguage")}</option>
              <option value={UnitSystem.METRIC}>{t("profile.metric")}</option>
              <option value={UnitSystem.IMPERIAL}>{t("profile.imperial")}</option>
            </select>
          </label>
        </div>
        {save.isError && (
          <p className="banner banner-error" role="alert">
            {serverMessage(save.error) || t("profile.saveFailed")}
          </p>
        )}
        {saved && (
          <p className="banner banner-ok" role="status">
            {t("profile.saved")}
          </p>
        )}
        <button type="submit" className="button primary" disabled={save.isPending}>
          {t("profile.save")}
        </button>
      </form>
    </Card>
  );
}
