import { describe, expect, it } from "vitest";
import en from "./en.json";
import ko from "./ko.json";
import opsEn from "./ops.en.json";
import opsKo from "./ops.ko.json";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

// The app's catalogue, and the operators' page's own (loaded with that page only: athletes never fetch it).
describe.each([
  { name: "the app", english: en, korean: ko },
  { name: "the operators' page", english: opsEn, korean: opsKo },
])("translations of $name", ({ english, korean }) => {
  it("has every key in both Korean and English", () => {
    expect(keys(korean).sort()).toEqual(keys(english).sort());
  });

  it("leaves no Korean string untranslated (English text copied over)", () => {
    const englishText = new Map(keys(english).map((k) => [k, k.split(".").reduce<any>((n, p) => n[p], english)]));
    const same = keys(korean).filter((k) => {
      const value = k.split(".").reduce<any>((n, p) => n[p], korean);
      return value === englishText.get(k) && /[a-z]{4,}/.test(value) && !/^(TSS|hrTSS|TRIMP|FTP|SWOLF|W'|Gemini)/.test(value);
    });
    expect(same).toEqual([]);
  });
});

it("keeps the two catalogues apart (no key in both)", () => {
  const app = new Set(keys(en));
  expect(keys(opsEn).filter((k) => app.has(k))).toEqual([]);
});
