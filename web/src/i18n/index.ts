import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import type { Language } from "../lib/preferences.js";
import en from "./en.json";
import ko from "./ko.json";

// Every string goes through the translator; ko and en side by side (same keys: a unit test checks).
export const LANGUAGE_KEY = "fitcoach.language";

export function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  if (stored === "ko" || stored === "en") return stored;
  return navigator.languages?.some((l) => l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ko: { translation: ko } },
  lng: typeof localStorage === "undefined" ? "en" : initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  showSupportNotice: false, // no console output of our own making
});

i18n.on("languageChanged", (lng) => {
  document.documentElement.lang = lng;
});

export default i18n;
