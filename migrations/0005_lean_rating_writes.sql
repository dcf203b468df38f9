-- Version 5: a rating writes fewer index pages. Each index a rating touches is one more page
-- in the write-ahead log per rating, and the queue's step is mostly such writes:
--  * ratings_rater: per-rater counts (`gait status`, `gait raters show`) are one scan of
--    ratings grouped by rater instead;
--  * rating_values_event: a rating's values are found through their rating (ratings_event and
--    the values' (rating_id, criterion) key), and verification reads values in row order,
--    which is their events' order;
--  * the UNIQUE index on audit_events.hash: every event landed at a random place in it. The
--    chain itself (each hash follows from the one before) is what `gait verify` checks;
--  * leases is stored by its key alone (WITHOUT ROWID: SQLite's only non-portable word in the
--    schema; another engine drops it), one tree where a lease wrote two.

DROP INDEX IF EXISTS ratings_rater;
DROP INDEX IF EXISTS rating_values_event;

CREATE TABLE audit_events_rebuilt (
    id            INTEGER PRIMARY KEY,
    at            TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL CHECK (length(content_hash) = 64),
    prev_hash     TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash          TEXT    NOT NULL CHECK (length(hash) = 64)
);
INSERT INTO audit_events_rebuilt (id, at, actor, kind, detail, content_hash, prev_hash, hash)
    SELECT id, at, actor, kind, detail, content_hash, prev_hash, hash FROM audit_events ORDER BY id;
DROP TABLE audit_events;
ALTER TABLE audit_events_rebuilt RENAME TO audit_events;

CREATE TABLE leases_rebuilt (
    item_id     INTEGER NOT NULL REFERENCES items(id),
    rater_id    INTEGER NOT NULL REFERENCES raters(id),
    session_id  INTEGER REFERENCES review_sessions(id),
    leased_at   TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    PRIMARY KEY (item_id, rater_id)
) WITHOUT ROWID;
INSERT INTO leases_rebuilt (item_id, rater_id, session_id, leased_at, expires_at)
    SELECT item_id, rater_id, session_id, leased_at, expires_at FROM leases;
DROP TABLE leases;
ALTER TABLE leases_rebuilt RENAME TO leases;
