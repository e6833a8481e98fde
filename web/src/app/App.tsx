import { createQueryOptions, TransportProvider } from "@connectrpc/connect-query";
import { QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Link, Route, Routes, useLocation } from "react-router-dom";
import { Card, EmptyState, Loading } from "../components/ui.js";
import { ActivityListPage } from "../features/activities/ActivityListPage.js";
import { AuthProvider, useAuth } from "../features/auth/AuthProvider.js";
import { SignInPage } from "../features/auth/SignInPage.js";
import { UploadPanel } from "../features/upload/UploadPanel.js";
import { UploadProvider } from "../features/upload/UploadProvider.js";
import { ActivityService } from "../gen/fitcoach/activity/v1/activity_service_pb.js";
import type { AppConfig } from "../lib/config.js";
import { ConfigContext } from "../lib/configContext.js";
import { transport } from "../lib/transport.js";
import { Layout } from "./Layout.js";
import { PreferencesProvider } from "./PreferencesProvider.js";
import { createQueryClient } from "./queryClient.js";

// Pages after the first are separate chunks: the list (the first page) loads without uPlot and Leaflet.
const loadDetailPage = () => import("../features/activities/ActivityDetailPage.js");
const ActivityDetailPage = lazy(loadDetailPage);
const DETAIL_PATH = /^\/activities\/([^/]+)\/?$/;
// Opened straight on an activity (a link, a reload): fetch its page's code while signing in.
if (typeof window !== "undefined" && DETAIL_PATH.test(window.location.pathname)) void loadDetailPage();
const FitnessPage = lazy(() => import("../features/fitness/FitnessPage.js"));
const ProfilePage = lazy(() => import("../features/profile/ProfilePage.js"));
// Operators only: athletes never download the ops page's code (nor does the first page wait for it).
const OpsPage = lazy(() => import("../features/ops/OpsPage.js"));

export function App({ config }: { config: AppConfig }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ConfigContext.Provider value={config}>
      <QueryClientProvider client={queryClient}>
        <TransportProvider transport={transport}>
          <AuthProvider>
            <UploadProvider>
              <BrowserRouter>
                <Shell />
              </BrowserRouter>
            </UploadProvider>
          </AuthProvider>
        </TransportProvider>
      </QueryClientProvider>
    </ConfigContext.Provider>
  );
}

function Shell() {
  const { state } = useAuth();
  const signedIn = state.status === "signedIn";
  const queryClient = useQueryClient();
  const location = useLocation();
  // The activity's data is fetched as soon as there is a token, beside its page's code, not after it.
  useEffect(() => {
    const activityId = DETAIL_PATH.exec(location.pathname)?.[1];
    if (signedIn && activityId) {
      void queryClient.prefetchQuery(createQueryOptions(ActivityService.method.getActivity, { activityId }, { transport }));
    }
  }, [signedIn, location.pathname, queryClient]);
  return (
    <PreferencesProvider signedIn={signedIn}>
      <Layout>
        {state.status === "loading" ? (
          <Loading />
        ) : state.status === "unconfigured" ? (
          <Unconfigured />
        ) : !signedIn ? (
          <SignInPage />
        ) : (
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<HomePage />} />
              <Route path="/activities/:activityId" element={<ActivityDetailPage />} />
              <Route path="/fitness" element={<FitnessPage />} />
              <Route path="/profile" element={<ProfilePage />} />
              <Route path="/ops/*" element={<OpsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        )}
      </Layout>
    </PreferencesProvider>
  );
}

function HomePage() {
  const { t } = useTranslation();
  const deleted = (useLocation().state as { deleted?: string } | null)?.deleted;
  return (
    <>
      {deleted && (
        <p className="banner banner-ok" role="status" data-testid="deleted-banner">
          {t("detail.deleted", { name: deleted })}
        </p>
      )}
      <UploadPanel />
      <ActivityListPage />
    </>
  );
}

function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <EmptyState title={t("errors.notFound.title")}>
      <Link to="/">{t("detail.back")}</Link>
    </EmptyState>
  );
}

function Unconfigured() {
  const { t } = useTranslation();
  return (
    <Card title={t("auth.title")}>
      <p>{t("auth.unconfigured")}</p>
    </Card>
  );
}
