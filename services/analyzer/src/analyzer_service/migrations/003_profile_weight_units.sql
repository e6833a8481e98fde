-- Body weight (W/kg) and the units the athlete reads numbers in (the web app's profile page).
ALTER TABLE analyzer.athlete_profiles
    ADD COLUMN weight_kg double precision,
    ADD COLUMN units     text NOT NULL DEFAULT '' CHECK (units IN ('', 'metric', 'imperial'));
