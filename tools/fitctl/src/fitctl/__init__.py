"""fitctl: the FitCoach command line — upload FIT files, follow their analysis, list and show activities."""
