-- Version 3: every audited table is indexed by the event that wrote its rows. Sealing an event
-- looks its rows up by event_id, and verification streams each table in event order; without
-- these indexes both scan whole tables, which grows quadratically with the log.

CREATE INDEX IF NOT EXISTS raters_event ON raters(event_id);
CREATE INDEX IF NOT EXISTS prompt_sets_event ON prompt_sets(event_id);
CREATE INDEX IF NOT EXISTS rubric_versions_event ON rubric_versions(event_id);
CREATE INDEX IF NOT EXISTS criteria_event ON criteria(event_id);
CREATE INDEX IF NOT EXISTS runs_event ON runs(event_id);
CREATE INDEX IF NOT EXISTS gold_items_event ON gold_items(event_id);
CREATE INDEX IF NOT EXISTS gold_answers_event ON gold_answers(event_id);
CREATE INDEX IF NOT EXISTS review_sessions_event ON review_sessions(event_id);
CREATE INDEX IF NOT EXISTS rating_flags_event ON rating_flags(event_id);
CREATE INDEX IF NOT EXISTS retractions_event ON retractions(event_id);
CREATE INDEX IF NOT EXISTS gate_decisions_event ON gate_decisions(event_id);
CREATE INDEX IF NOT EXISTS stage_changes_event ON stage_changes(event_id);
CREATE INDEX IF NOT EXISTS exports_event ON exports(event_id);
CREATE INDEX IF NOT EXISTS corrections_event ON corrections(event_id);
