-- Critical power and W' for the W' balance metric (Skiba). Nullable: unset means "not known", and W'bal
-- is then simply not computed (there is no sensible population default).
ALTER TABLE analyzer.athlete_profiles
    ADD COLUMN critical_power_w double precision,
    ADD COLUMN w_prime_j        double precision;
