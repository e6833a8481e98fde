INSERT INTO events (note) VALUES ('seeded');
