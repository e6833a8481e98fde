-- Every change a WatchActivity stream can see (a new state, a new status, the row purged after its owner
-- deleted the activity) announces itself on the `fitcoach_activity` channel (fitcoach_runtime.db.ACTIVITY_CHANNEL;
-- payload: the activity id), whichever code makes it, in the same transaction and without a round trip of its
-- own.
CREATE FUNCTION analyzer.notify_activity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fitcoach_activity', (CASE WHEN TG_OP = 'DELETE' THEN OLD.activity_id
                                                 ELSE NEW.activity_id END)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER activities_notify
    AFTER INSERT OR DELETE OR UPDATE OF status, advice_status, failure_reason ON analyzer.activities
    FOR EACH ROW EXECUTE FUNCTION analyzer.notify_activity_change();
