import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ActivityService, UnitSystem } from "../gen/fitcoach/activity/v1/activity_service_pb.js";
import { LANGUAGE_KEY } from "../i18n/index.js";
import { defaultUnits, Formatter } from "../lib/format.js";
import { PreferencesContext, type Language } from "../lib/preferences.js";

/** Language and units from the athlete's profile (when set), else the browser's choice. */
export function PreferencesProvider({ children, signedIn }: { children: ReactNode; signedIn: boolean }) {
  const { i18n } = useTranslation();
  const profile = useQuery(ActivityService.method.getAthleteProfile, {}, { enabled: signedIn }).data?.profile;

  useEffect(() => {
    const chosen = profile?.language;
    if ((chosen === "ko" || chosen === "en") && chosen !== i18n.language) {
      localStorage.setItem(LANGUAGE_KEY, chosen);
      void i18n.changeLanguage(chosen);
    }
  }, [profile?.language, i18n]);

  const language: Language = i18n.language === "ko" ? "ko" : "en";
  const locale = language === "ko" ? "ko-KR" : navigator.languages?.find((l) => l.startsWith("en")) ?? "en";
  const units =
    profile?.units === UnitSystem.IMPERIAL ? "imperial" : profile?.units === UnitSystem.METRIC ? "metric" : defaultUnits(locale);
  const value = useMemo(() => ({ language, units, fmt: new Formatter(locale, units) }), [language, units, locale]);
  return <PreferencesContext.Provider value={value}>{children}</PreferencesContext.Provider>;
}
