-- Version 2: raters' corrected answers (fine-tuning prefers them over the model's text) and the
-- indexes the queue's claim query walks.

CREATE TABLE corrections (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    text       TEXT    NOT NULL CHECK (length(text) > 0),
    event_id   INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE INDEX ratings_item ON ratings(item_id, retracted_at);
CREATE INDEX leases_rater ON leases(rater_id);
CREATE INDEX items_stage ON items(stage, rubric_version_id);
