import { Code, ConnectError } from "@connectrpc/connect";

// What a failed call means to the person using the app. Every error message shown goes through this.
export type ErrorKind = "offline" | "unauthenticated" | "forbidden" | "notFound" | "invalid" | "tooBusy" | "other";

export function errorKind(error: unknown): ErrorKind {
  const err = ConnectError.from(error);
  switch (err.code) {
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return "offline";
    case Code.Unauthenticated:
      return "unauthenticated";
    case Code.PermissionDenied:
      // Signed in, but not allowed (an athlete at an operators' page): the session itself is fine.
      return "forbidden";
    case Code.NotFound:
      return "notFound";
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
      return "invalid";
    case Code.ResourceExhausted:
      return "tooBusy";
    case Code.Unknown:
    case Code.Internal:
      // A fetch that never reached the gateway (down, network gone) surfaces as Unknown/Internal with a
      // TypeError cause in browsers: that is "offline" for the person.
      return err.cause instanceof TypeError || /fetch|network/i.test(err.rawMessage) ? "offline" : "other";
    default:
      return "other";
  }
}

/** The server's own message (for invalid input it says what to fix); empty for other kinds. */
export function serverMessage(error: unknown): string {
  const err = ConnectError.from(error);
  return errorKind(err) === "invalid" ? err.rawMessage : "";
}
