-- Slow on purpose: a second migrator must queue behind the advisory lock, not run beside it.
SELECT pg_sleep(0.2);
CREATE TABLE events (id serial PRIMARY KEY, note text NOT NULL);
