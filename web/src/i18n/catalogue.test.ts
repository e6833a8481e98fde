import { describe, expect, it } from "vitest";
import en from "./en.json";
import ko from "./ko.json";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("translations", () => {
  it("has every key in both Korean and English", () => {
    expect(keys(ko).sort()).toEqual(keys(en).sort());
  });

  it("leaves no Korean string untranslated (English text copied over)", () => {
    const english = new Map(keys(en).map((k) => [k, k.split(".").reduce<any>((n, p) => n[p], en)]));
    const same = keys(ko).filter((k) => {
      const value = k.split(".").reduce<any>((n, p) => n[p], ko);
      return value === english.get(k) && /[a-z]{4,}/.test(value) && !/^(TSS|hrTSS|TRIMP|FTP|SWOLF|W'|Gemini)/.test(value);
    });
    expect(same).toEqual([]);
  });
});
