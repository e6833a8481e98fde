import { describe, expect, it } from "vitest";
import { isOperatorToken, tokenClaims } from "./operator.js";

/** An unsigned JWT with these claims (the browser never checks signatures: the server does). */
function jwt(claims: object): string {
  const part = (value: object) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe("isOperatorToken", () => {
  it("is true only for app_metadata.role = operator, as the backend decides", () => {
    expect(isOperatorToken(jwt({ sub: "u", app_metadata: { provider: "email", role: "operator" } }))).toBe(true);
    expect(isOperatorToken(jwt({ sub: "u", app_metadata: { provider: "email" } }))).toBe(false);
    expect(isOperatorToken(jwt({ sub: "u", role: "operator" }))).toBe(false); // the top-level role is Supabase's
    expect(isOperatorToken(jwt({ sub: "u", user_metadata: { role: "operator" } }))).toBe(false); // user-writable
    expect(isOperatorToken(jwt({ sub: "u", app_metadata: { role: "Operator " } }))).toBe(false);
    expect(isOperatorToken(jwt({ sub: "u", app_metadata: "operator" }))).toBe(false);
  });

  it("treats anything that is not a JWT as no operator", () => {
    expect(isOperatorToken(null)).toBe(false);
    expect(isOperatorToken("")).toBe(false);
    expect(isOperatorToken("not-a-token")).toBe(false);
    expect(isOperatorToken("a.%%%.c")).toBe(false);
    expect(tokenClaims(`x.${btoa("[1,2]")}.y`)).toBeNull();
  });

  it("reads base64url payloads with non-ASCII text", () => {
    expect(tokenClaims(jwt({ name: "김철수 ~~??>>" }))).toEqual({ name: "김철수 ~~??>>" });
  });
});
