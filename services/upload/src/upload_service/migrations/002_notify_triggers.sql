-- Changes announce themselves from the database, whichever code makes them, in the same transaction and
-- without a round trip of their own:
-- - an activity created, completed or removed, on `fitcoach_activity` (fitcoach_runtime.db.ACTIVITY_CHANNEL;
--   payload: the activity id), for WatchActivity streams;
-- - a new outbox row, on `fitcoach_upload_outbox` (upload_service.repository.OUTBOX_CHANNEL; payload: empty),
--   to wake the relay.
CREATE FUNCTION upload.notify_activity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fitcoach_activity', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER activities_notify
    AFTER INSERT OR DELETE OR UPDATE OF status ON upload.activities
    FOR EACH ROW EXECUTE FUNCTION upload.notify_activity_change();

CREATE FUNCTION upload.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fitcoach_upload_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON upload.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION upload.notify_outbox();
