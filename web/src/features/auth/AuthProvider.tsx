import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useConfig } from "../../lib/configContext.js";
import { setAuthHooks } from "../../lib/transport.js";
import { DevAuth, SupabaseAuth, type AuthBackend, type SignedInUser } from "./backends.js";

export type AuthState =
  | { status: "loading" }
  | { status: "unconfigured" }
  | { status: "signedIn"; user: SignedInUser }
  | { status: "signedOut"; reason: "expired" | "signedOut" | null; error?: string };

interface AuthApi {
  state: AuthState;
  backend: AuthBackend | null;
  signOut(): Promise<void>;
  /** After a backend-specific sign-in (DevAuth.signIn, SupabaseAuth.signInWithPassword) succeeded. */
  signedIn(user: SignedInUser): void;
}

const AuthContext = createContext<AuthApi | null>(null);

export function useAuth(): AuthApi {
  const api = useContext(AuthContext);
  if (!api) throw new Error("useAuth outside AuthProvider");
  return api;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [backend, setBackend] = useState<AuthBackend | null>(null);
  const [state, setState] = useState<AuthState>({ status: "loading" });
  const lastUserId = useRef<string | null>(null);

  const signedIn = useCallback(
    (user: SignedInUser) => {
      // Another person's cached pages must never show: a different user starts with an empty cache.
      if (lastUserId.current !== null && lastUserId.current !== user.id) queryClient.clear();
      lastUserId.current = user.id;
      setState({ status: "signedIn", user });
    },
    [queryClient],
  );

  useEffect(() => {
    let cancelled = false;
    async function start(): Promise<void> {
      const auth = config.auth;
      if (auth.mode === "unconfigured") {
        setState({ status: "unconfigured" });
        return;
      }
      const chosen: AuthBackend = auth.mode === "dev" ? new DevAuth() : await SupabaseAuth.create(auth);
      chosen.onChange((user) => {
        if (cancelled) return;
        if (user) signedIn(user);
        else setState((s) => (s.status === "signedOut" ? s : { status: "signedOut", reason: "signedOut" }));
      });
      setAuthHooks(
        () => chosen.token(),
        // The server refused the token (expired, revoked): back to sign-in on the same URL, so signing in
        // again shows the same page; the upload queue and caches live above this and are kept.
        () => setState((s) => (s.status === "signedIn" ? { status: "signedOut", reason: "expired" } : s)),
      );
      setBackend(chosen);
      try {
        const user = await chosen.restore();
        if (cancelled) return;
        if (user) signedIn(user);
        else setState({ status: "signedOut", reason: null });
      } catch (error) {
        if (!cancelled) setState({ status: "signedOut", reason: null, error: String(error) });
      }
    }
    void start();
    return () => {
      cancelled = true;
    };
  }, [config, signedIn]);

  const signOut = useCallback(async () => {
    await backend?.signOut();
    queryClient.clear();
    lastUserId.current = null;
    setState({ status: "signedOut", reason: "signedOut" });
  }, [backend, queryClient]);

  const api = useMemo(() => ({ state, backend, signOut, signedIn }), [state, backend, signOut, signedIn]);
  return <AuthContext.Provider value={api}>{children}</AuthContext.Provider>;
}
