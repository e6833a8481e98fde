-- Every change a WatchActivity stream can see announces itself on the `fitcoach_activity` channel
-- (fitcoach_runtime.db.ACTIVITY_CHANNEL; payload: the activity id), whichever code makes it, in the same
-- transaction and without a round trip of its own.
CREATE FUNCTION analyzer.notify_activity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fitcoach_activity', NEW.activity_id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER activities_notify
    AFTER INSERT OR UPDATE OF status, advice_status, failure_reason ON analyzer.activities
    FOR EACH ROW EXECUTE FUNCTION analyzer.notify_activity_change();
