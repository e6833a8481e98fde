import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { errorKind, serverMessage } from "./errors.js";

describe("errorKind", () => {
  it("tells a refused person (forbidden) from an ended session (unauthenticated)", () => {
    expect(errorKind(new ConnectError("operators only", Code.PermissionDenied))).toBe("forbidden");
    expect(errorKind(new ConnectError("token expired", Code.Unauthenticated))).toBe("unauthenticated");
    expect(errorKind(new ConnectError("activity not found", Code.NotFound))).toBe("notFound");
    expect(errorKind(new ConnectError("fetch failed", Code.Unknown))).toBe("offline");
  });

  it("passes on the server's words only for input it refused", () => {
    expect(serverMessage(new ConnectError("max_hr_bpm must be between 100 and 250", Code.InvalidArgument))).toBe(
      "max_hr_bpm must be between 100 and 250",
    );
    expect(serverMessage(new ConnectError("operators only", Code.PermissionDenied))).toBe("");
  });
});
