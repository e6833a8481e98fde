// Runtime configuration: fetched from /config.json (web/server) when the page loads, never baked into the
// build, so one build serves every deployment (dev sign-in, Supabase, a map tile server or none).

export type AuthConfig =
  | { mode: "dev" }
  | { mode: "supabase"; supabaseUrl: string; anonKey: string }
  | { mode: "unconfigured" };

export interface AppConfig {
  auth: AuthConfig;
  map: { tileUrl: string; attribution: string };
  maxUploadBytes: number;
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  // Same mode and credentials as the <link rel="preload"> in index.html, so the preloaded answer is used.
  const response = await fetchImpl("/config.json", { mode: "cors", credentials: "same-origin" });
  if (!response.ok) {
    throw new Error(`/config.json answered HTTP ${response.status}`);
  }
  return (await response.json()) as AppConfig;
}
