// How the app signs in: dev tokens from web/server (AUTH_MODE=dev only; the signing secret never reaches the
// browser) or Supabase Auth (email + password, magic link; supabase-js refreshes the session). Both expose
// the same small interface to AuthProvider.
import type { Session, SupabaseClient } from "@supabase/supabase-js";
import type { AuthConfig } from "../../lib/config.js";
import { isOperatorToken } from "./operator.js";

export interface SignedInUser {
  id: string;
  label: string;
  /** The token carries the operator role: the Ops page is offered (the server still checks each call). */
  operator: boolean;
}

export interface AuthBackend {
  readonly kind: "dev" | "supabase";
  /** The user of a session kept from before (page reload), else null. */
  restore(): Promise<SignedInUser | null>;
  /** A valid access token (refreshed when close to expiry), or null when signed out. */
  token(): Promise<string | null>;
  signOut(): Promise<void>;
  /** Called with the user whenever the backend itself signs in or out (magic link, refresh failure). */
  onChange(listener: (user: SignedInUser | null) => void): void;
}

// ---------------------------------------------------------------------------------------------- dev

const DEV_SESSION_KEY = "fitcoach.devSession";
const SIGNED_OUT_KEY = "fitcoach.signedOut";
const REFRESH_BEFORE_S = 120;

interface DevSession {
  accessToken: string;
  expiresAt: number;
  userId: string;
  userName: string;
  operator: boolean;
}

export class DevAuth implements AuthBackend {
  readonly kind = "dev" as const;
  private session: DevSession | null = null;
  private refreshing: Promise<DevSession> | null = null;
  private listener: (user: SignedInUser | null) => void = () => {};

  onChange(listener: (user: SignedInUser | null) => void): void {
    this.listener = listener;
  }

  async restore(): Promise<SignedInUser | null> {
    const stored = sessionStorage.getItem(DEV_SESSION_KEY);
    if (stored) {
      this.session = JSON.parse(stored) as DevSession;
      return userOf(this.session);
    }
    // The page opens signed in as the machine's dev user, unless the person signed out in this tab.
    if (sessionStorage.getItem(SIGNED_OUT_KEY)) return null;
    return this.signIn("");
  }

  /** Sign in as the dev user called `name` ("" or "dev": the one fitctl uses), as an operator if asked. */
  async signIn(name: string, operator = false): Promise<SignedInUser> {
    const session = await fetchDevToken(name, operator);
    this.keep(session);
    sessionStorage.removeItem(SIGNED_OUT_KEY);
    return userOf(session);
  }

  async token(): Promise<string | null> {
    const session = this.session;
    if (!session) return null;
    if (session.expiresAt - Date.now() / 1000 > REFRESH_BEFORE_S) return session.accessToken;
    this.refreshing ??= fetchDevToken(session.userName, session.operator).finally(() => {
      this.refreshing = null;
    });
    this.keep(await this.refreshing);
    return this.session?.accessToken ?? null;
  }

  async signOut(): Promise<void> {
    this.session = null;
    sessionStorage.removeItem(DEV_SESSION_KEY);
    sessionStorage.setItem(SIGNED_OUT_KEY, "1");
    this.listener(null);
  }

  /** The session the server no longer accepts: forget it, but keep the name for signing in again. */
  lastUserName(): string {
    return this.stored()?.userName ?? "";
  }

  lastOperator(): boolean {
    return this.stored()?.operator === true;
  }

  private stored(): DevSession | null {
    const stored = sessionStorage.getItem(DEV_SESSION_KEY);
    return stored ? (JSON.parse(stored) as DevSession) : null;
  }

  private keep(session: DevSession): void {
    this.session = session;
    sessionStorage.setItem(DEV_SESSION_KEY, JSON.stringify(session));
  }
}

async function fetchDevToken(name: string, operator: boolean): Promise<DevSession> {
  const response = await fetch("/auth/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: name, operator }),
  });
  if (!response.ok) throw new Error((await response.text()) || `HTTP ${response.status}`);
  return (await response.json()) as DevSession;
}

function userOf(session: DevSession): SignedInUser {
  return { id: session.userId, label: session.userName, operator: isOperatorToken(session.accessToken) };
}

// ------------------------------------------------------------------------------------------ supabase

export class SupabaseAuth implements AuthBackend {
  readonly kind = "supabase" as const;
  private listener: (user: SignedInUser | null) => void = () => {};

  private constructor(private readonly client: SupabaseClient) {
    client.auth.onAuthStateChange((_event, session) => {
      this.listener(session ? supabaseUser(session) : null);
    });
  }

  /** supabase-js is loaded only when the deployment uses it (it is not in the first page's bundle). */
  static async create(config: Extract<AuthConfig, { mode: "supabase" }>): Promise<SupabaseAuth> {
    const { createClient } = await import("@supabase/supabase-js");
    return new SupabaseAuth(
      createClient(config.supabaseUrl, config.anonKey, {
        auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true, flowType: "pkce" },
      }),
    );
  }

  onChange(listener: (user: SignedInUser | null) => void): void {
    this.listener = listener;
  }

  async restore(): Promise<SignedInUser | null> {
    const { data } = await this.client.auth.getSession();
    return data.session ? supabaseUser(data.session) : null;
  }

  async token(): Promise<string | null> {
    // getSession refreshes an expired access token with the refresh token first.
    const { data } = await this.client.auth.getSession();
    return data.session?.access_token ?? null;
  }

  async signInWithPassword(email: string, password: string): Promise<void> {
    const { error } = await this.client.auth.signInWithPassword({ email, password });
    if (error) throw error;
  }

  async sendMagicLink(email: string, returnTo: string): Promise<void> {
    const { error } = await this.client.auth.signInWithOtp({
      email,
      options: { emailRedirectTo: window.location.origin + returnTo, shouldCreateUser: true },
    });
    if (error) throw error;
  }

  async signOut(): Promise<void> {
    await this.client.auth.signOut();
  }
}

function supabaseUser(session: Session): SignedInUser {
  const user = session.user;
  return { id: user.id, label: user.email ?? user.id, operator: isOperatorToken(session.access_token) };
}
