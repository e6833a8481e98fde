// FIT sport names offered by the list's filter (the ones FitCoach files carry most).
export const FILTER_SPORTS = [
  "running", "cycling", "swimming", "walking", "hiking", "rowing", "training", "multisport",
] as const;
