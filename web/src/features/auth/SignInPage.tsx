import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Card } from "../../components/ui.js";
import { useAuth } from "./AuthProvider.js";
import { DevAuth, SupabaseAuth } from "./backends.js";

/** Shown in place of any page while signed out; the URL stays, so signing in shows that page. */
export function SignInPage() {
  const { t } = useTranslation();
  const { state, backend } = useAuth();
  const reason = state.status === "signedOut" ? state.reason : null;
  return (
    <div className="sign-in">
      <Card title={t("auth.title")}>
        {reason === "expired" && (
          <p className="banner banner-warn" role="alert">
            {t("auth.expired")}
          </p>
        )}
        {state.status === "signedOut" && state.error && (
          <p className="banner banner-error" role="alert">
            {t("auth.failed")} {state.error}
          </p>
        )}
        {backend instanceof DevAuth && <DevSignIn backend={backend} />}
        {backend instanceof SupabaseAuth && <SupabaseSignIn backend={backend} />}
      </Card>
    </div>
  );
}

function DevSignIn({ backend }: { backend: DevAuth }) {
  const { t } = useTranslation();
  const { signedIn } = useAuth();
  const [name, setName] = useState(backend.lastUserName() || "dev");
  const [operator, setOperator] = useState(backend.lastOperator());
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      signedIn(await backend.signIn(name, operator));
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="form">
      <p className="muted">{t("auth.devHint")}</p>
      <label className="field">
        <span>{t("auth.devUser")}</span>
        <input name="devUser" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} autoComplete="username" />
      </label>
      <label className="check-field">
        <input type="checkbox" name="devOperator" checked={operator} onChange={(e) => setOperator(e.target.checked)} />
        <span>{t("auth.devOperator")}</span>
      </label>
      {error && <p className="field-error" role="alert">{error}</p>}
      <button type="submit" className="button primary" disabled={busy}>
        {t("auth.signIn")}
      </button>
    </form>
  );
}

function SupabaseSignIn({ backend }: { backend: SupabaseAuth }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>, done?: string) {
    setBusy(true);
    setError("");
    setMessage("");
    try {
      await action();
      if (done) setMessage(done);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => backend.signInWithPassword(email, password));
      }}
    >
      <label className="field">
        <span>{t("auth.email")}</span>
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
      </label>
      <label className="field">
        <span>{t("auth.password")}</span>
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
      </label>
      {error && <p className="field-error" role="alert">{error}</p>}
      {message && <p className="banner banner-ok" role="status">{message}</p>}
      <div className="row">
        <button type="submit" className="button primary" disabled={busy || !password}>
          {t("auth.signIn")}
        </button>
        <button
          type="button"
          className="button"
          disabled={busy || !email}
          onClick={() => void run(() => backend.sendMagicLink(email, window.location.pathname), t("auth.linkSent"))}
        >
          {t("auth.magicLink")}
        </button>
      </div>
    </form>
  );
}
