import { createContext, useContext } from "react";
import { Formatter, type UnitSystem } from "./format.js";

export type Language = "en" | "ko";

export interface Preferences {
  language: Language;
  units: UnitSystem;
  fmt: Formatter;
}

export const PreferencesContext = createContext<Preferences>({
  language: "en",
  units: "metric",
  fmt: new Formatter("en", "metric"),
});

/** The athlete's language, units and a formatter for both (provided by the app from the profile). */
export function usePreferences(): Preferences {
  return useContext(PreferencesContext);
}
