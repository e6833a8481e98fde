import { create } from "@bufbuild/protobuf";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useSyncExternalStore, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router-dom";
import { useAuth } from "../features/auth/AuthProvider.js";
import { ActivityService, AthleteProfileSchema } from "../gen/fitcoach/activity/v1/activity_service_pb.js";
import { LANGUAGE_KEY } from "../i18n/index.js";
import { connectivity } from "./connectivity.js";

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { state, signOut } = useAuth();
  const offline = useSyncExternalStore(connectivity.subscribe, connectivity.offline);
  const queryClient = useQueryClient();
  const signedIn = state.status === "signedIn";
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          FitCoach
        </NavLink>
        {signedIn && (
          <nav aria-label={t("nav.main")}>
            <NavLink to="/" end>
              {t("nav.activities")}
            </NavLink>
            <NavLink to="/fitness">{t("nav.fitness")}</NavLink>
            <NavLink to="/profile">{t("nav.profile")}</NavLink>
            {state.user.operator && <NavLink to="/ops">{t("nav.ops")}</NavLink>}
          </nav>
        )}
        <div className="topbar-end">
          <LanguageSwitch signedIn={signedIn} />
          {signedIn && (
            <>
              <span className="user" data-testid="signed-in-user" title={state.user.id}>
                {state.user.label}
              </span>
              <button type="button" className="button small" onClick={() => void signOut()}>
                {t("auth.signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      {offline && (
        <div className="banner banner-error offline" role="alert" data-testid="offline-banner">
          {t("errors.offline.title")} {t("errors.offline.body")}{" "}
          <button type="button" className="button small" onClick={() => void queryClient.refetchQueries({ type: "active" })}>
            {t("common.retry")}
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** Switches the page at once; when signed in, also saves the choice to the profile (advice language too). */
function LanguageSwitch({ signedIn }: { signedIn: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const profile = useQuery(ActivityService.method.getAthleteProfile, {}, { enabled: signedIn }).data?.profile;
  const save = useMutation(ActivityService.method.updateAthleteProfile, {
    onSuccess: () =>
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: ActivityService.method.getAthleteProfile, cardinality: undefined }),
      }),
  });
  function choose(language: string) {
    localStorage.setItem(LANGUAGE_KEY, language);
    void i18n.changeLanguage(language);
    if (signedIn && profile) save.mutate({ profile: create(AthleteProfileSchema, { ...profile, language }) });
  }
  return (
    <label className="inline-field">
      <span className="visually-hidden">{t("nav.language")}</span>
      <select value={i18n.language === "ko" ? "ko" : "en"} onChange={(e) => choose(e.target.value)} data-testid="language-switch">
        <option value="en">English</option>
        <option value="ko">한국어</option>
      </select>
    </label>
  );
}
