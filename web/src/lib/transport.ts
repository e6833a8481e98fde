// The one gRPC-web transport of the app (same origin: Envoy routes the API beside the app's files). Every
// call carries the signed-in user's access token; an UNAUTHENTICATED answer tells the auth feature that
// the session is over (expired, revoked), which sends the person back to sign-in.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

export type TokenSource = () => Promise<string | null>;

let tokenSource: TokenSource = async () => null;
let sessionEnded: () => void = () => {};

/** Set by the auth feature once it knows how to get tokens. */
export function setAuthHooks(source: TokenSource, onSessionEnded: () => void): void {
  tokenSource = source;
  sessionEnded = onSessionEnded;
}

const authInterceptor: Interceptor = (next) => async (request) => {
  const token = await tokenSource();
  if (token) request.header.set("authorization", `Bearer ${token}`);
  try {
    return await next(request);
  } catch (error) {
    if (ConnectError.from(error).code === Code.Unauthenticated) sessionEnded();
    throw error;
  }
};

/** Unary calls give up after this long (the gateway's own limit is 60 s); streams set their own. */
export const UNARY_TIMEOUT_MS = 30_000;

export const transport = createGrpcWebTransport({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  interceptors: [authInterceptor],
  defaultTimeoutMs: UNARY_TIMEOUT_MS,
});
