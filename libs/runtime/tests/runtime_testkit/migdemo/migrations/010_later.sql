ALTER TABLE events ADD COLUMN source text NOT NULL DEFAULT 'migration';
INSERT INTO events (note) VALUES ('after 002');
