import { create } from "@bufbuild/protobuf";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Card, Loading, QueryView } from "../../components/ui.js";
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
  const query = useQuery(ActivityService.method.getAthleteProfile, {});
  return <QueryView query={query}>{({ profile }) => (profile ? <ProfileForm profile={profile} /> : <Loading />)}</QueryView>;
}

/** The form starts from the profile as first read, and keeps the person's edits while it is refetched. */
function ProfileForm({ profile }: { profile: AthleteProfile }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => toDraft(profile));
  const [invalid, setInvalid] = useState<NumberKey[]>([]);
  const save = useMutation(ActivityService.method.updateAthleteProfile, {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema: ActivityService.method.getAthleteProfile, cardinality: undefined }) });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const bad = NUMBER_FIELDS.filter(({ key }) => draft[key].trim() !== "" && !Number.isFinite(Number(draft[key]))).map((f) => f.key);
    setInvalid(bad);
    if (bad.length) return;
    const edited = create(AthleteProfileSchema, {
      thresholdPaceSPerKm: profile.thresholdPaceSPerKm, // not edited here: kept as it is
      sex: draft.sex,
      language: draft.language,
      units: draft.units,
    });
    for (const { key } of NUMBER_FIELDS) {
      const text = draft[key].trim();
      edited[key] = text === "" ? undefined : Number(text);
    }
    save.mutate({ profile: edited });
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    if (save.isSuccess) save.reset(); // "Saved." is about the form as it was saved
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
          <Choice
            label={t("profile.sex")}
            name="sex"
            value={draft.sex}
            onChange={(v) => set("sex", v)}
            options={[
              [Sex.UNSPECIFIED, t("profile.unset")],
              [Sex.FEMALE, t("profile.female")],
              [Sex.MALE, t("profile.male")],
            ]}
          />
          <Choice
            label={t("profile.language")}
            name="language"
            value={draft.language}
            onChange={(v) => set("language", v)}
            options={[
              ["", t("profile.fromBrowser")],
              ["ko", "한국어"],
              ["en", "English"],
            ]}
          />
          <Choice
            label={t("profile.units")}
            name="units"
            value={draft.units}
            onChange={(v) => set("units", v)}
            options={[
              [UnitSystem.UNSPECIFIED, t("profile.fromLanguage")],
              [UnitSystem.METRIC, t("profile.metric")],
              [UnitSystem.IMPERIAL, t("profile.imperial")],
            ]}
          />
        </div>
        {save.isError && (
          <p className="banner banner-error" role="alert">
            {serverMessage(save.error) || t("profile.saveFailed")}
          </p>
        )}
        {save.isSuccess && (
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

/** A labelled choice among a few values, each shown with its own words. */
function Choice<V extends string | number>({ label, name, value, options, onChange }: { label: string; name: string; value: V; options: [V, string][]; onChange: (value: V) => void }) {
  return (
    <label className="field">
      <span>{label}</span>
      <select name={name} value={value} onChange={(e) => onChange(options[e.target.selectedIndex][0])}>
        {options.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}
