-- Version 6: rating values are stored by their key alone (WITHOUT ROWID, as leases since
-- version 5): one tree where a rating's values wrote two, the table and its (rating_id,
-- criterion) key, so a rating writes one page fewer.
--
-- A value's audit hash reads a rating's values in the order they were written (the rubric's
-- order), which was their row order; `position` keeps it: 0, 1, 2… within the rating. It is
-- not audited (the hash covers the values, in its order).

CREATE TABLE rating_values_by_key (
    rating_id      INTEGER NOT NULL REFERENCES ratings(id),
    criterion      TEXT    NOT NULL,
    value          TEXT    NOT NULL,
    numeric_value  REAL,
    event_id       INTEGER NOT NULL REFERENCES audit_events(id),
    position       INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (rating_id, criterion)
) WITHOUT ROWID;
INSERT INTO rating_values_by_key (rating_id, criterion, value, numeric_value, event_id, position)
    SELECT rating_id, criterion, value, numeric_value, event_id,
           row_number() OVER (PARTITION BY rating_id ORDER BY rowid) - 1
    FROM rating_values;
DROP TABLE rating_values;
ALTER TABLE rating_values_by_key RENAME TO rating_values;
