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
  const response = await fetchImpl("/config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`/config.json answered HTTP ${response.status}`);
  }
  return (await response.json()) as AppConfig;
}
