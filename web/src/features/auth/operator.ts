// Whether the signed-in person is an operator, read from their access token the way the backend decides it
// (libs/runtime auth: `app_metadata.role == "operator"`; app_metadata is set only by the Supabase project,
// never by the user). It only decides whether the Ops entry is shown: every operator call is checked by the
// server, and a user made operator by OPERATOR_USER_IDS (not in the token) reaches the page by its address.

const OPERATOR_ROLE = "operator";

/** The claims of a JWT, unverified (the server verifies); null when it is not a JWT. */
export function tokenClaims(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function isOperatorToken(token: string | null | undefined): boolean {
  const appMetadata = token ? tokenClaims(token)?.app_metadata : undefined;
  return typeof appMetadata === "object" && appMetadata !== null && (appMetadata as Record<string, unknown>).role === OPERATOR_ROLE;
}
