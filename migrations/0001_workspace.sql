-- Gait workspace schema, version 1: the whole design of DESIGN.md.
--
-- Conventions:
--  * Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.sssZ' (fixed width, so they sort).
--  * Coded columns carry CHECK constraints listing their values.
--  * Every row that records a fact of the audit trail carries `event_id`, the audit event that
--    created it; `gait verify` recomputes each event's content hash from those rows. Such rows are
--    never updated in their audited columns: a change is a new row (a retraction, a stage change).
--  * Portable SQL (no SQLite-only types or JSON functions), so the queue can move to PostgreSQL.

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY,
    at            TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL CHECK (length(content_hash) = 64),
    prev_hash     TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash          TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64)
);

CREATE TABLE raters (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL CHECK (role IN ('rater', 'lead')),
    created_at  TEXT    NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE prompt_sets (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE prompts (
    id                    INTEGER PRIMARY KEY,
    set_id                INTEGER NOT NULL REFERENCES prompt_sets(id),
    external_id           TEXT    NOT NULL CHECK (length(external_id) > 0),
    text                  TEXT    NOT NULL CHECK (length(text) > 0),
    scope                 TEXT,
    counterfactual_group  TEXT,
    reference             TEXT,
    event_id              INTEGER NOT NULL REFERENCES audit_events(id),
    UNIQUE (set_id, external_id)
);
CREATE INDEX prompts_event ON prompts(event_id);
CREATE INDEX prompts_scope ON prompts(scope);

CREATE TABLE prompt_attributes (
    prompt_id  INTEGER NOT NULL REFERENCES prompts(id),
    name       TEXT    NOT NULL CHECK (length(name) > 0),
    value      TEXT    NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (prompt_id, name)
);
CREATE INDEX prompt_attributes_event ON prompt_attributes(event_id);
CREATE INDEX prompt_attributes_name ON prompt_attributes(name, value);

CREATE TABLE rubric_versions (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    pairwise        INTEGER NOT NULL CHECK (pairwise IN (0, 1)),
    source          TEXT    NOT NULL,
    source_sha256   TEXT    NOT NULL CHECK (length(source_sha256) = 64),
    created_at      TEXT    NOT NULL,
    event_id        INTEGER NOT NULL REFERENCES audit_events(id),
    UNIQUE (name, version)
);

CREATE TABLE criteria (
    id                 INTEGER PRIMARY KEY,
    rubric_version_id  INTEGER NOT NULL REFERENCES rubric_versions(id),
    position           INTEGER NOT NULL CHECK (position >= 0),
    key                TEXT    NOT NULL,
    question           TEXT    NOT NULL,
    scale_type         TEXT    NOT NULL CHECK (scale_type IN ('binary', 'nominal', 'ordinal', 'interval')),
    scale_min          REAL,
    scale_max          REAL,
    options            TEXT,
    acceptance         INTEGER NOT NULL CHECK (acceptance IN (0, 1)),
    event_id           INTEGER NOT NULL REFERENCES audit_events(id),
    UNIQUE (rubric_version_id, key),
    UNIQUE (rubric_version_id, position),
    CHECK (scale_type NOT IN ('ordinal', 'interval') OR (scale_min IS NOT NULL AND scale_max > scale_min))
);

CREATE TABLE runs (
    id                 INTEGER PRIMARY KEY,
    set_id             INTEGER NOT NULL REFERENCES prompt_sets(id),
    rubric_version_id  INTEGER NOT NULL REFERENCES rubric_versions(id),
    stage              TEXT    NOT NULL CHECK (stage IN ('crawl', 'walk', 'run')),
    scope              TEXT,
    backend            TEXT    NOT NULL CHECK (backend IN ('local', 'openai')),
    model_name         TEXT    NOT NULL,
    model_sha256       TEXT,
    endpoint           TEXT,
    hf_model_id        TEXT,
    n                  INTEGER NOT NULL CHECK (n >= 1),
    temperature        REAL    NOT NULL CHECK (temperature >= 0),
    top_k              INTEGER,
    top_p              REAL,
    min_p              REAL,
    repeat_penalty     REAL,
    seed               INTEGER NOT NULL,
    max_tokens         INTEGER NOT NULL CHECK (max_tokens >= 1),
    system_prompt      TEXT,
    review_share       REAL    NOT NULL CHECK (review_share >= 0 AND review_share <= 1),
    review_overlap     INTEGER NOT NULL CHECK (review_overlap >= 1),
    review_seed        INTEGER NOT NULL,
    started_at         TEXT    NOT NULL,
    -- Progress columns, updated as the run goes (not audited).
    status             TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'complete', 'failed')),
    finished_at        TEXT,
    tokens_in          INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out         INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cpu_seconds        REAL    NOT NULL DEFAULT 0 CHECK (cpu_seconds >= 0),
    wall_seconds       REAL    NOT NULL DEFAULT 0 CHECK (wall_seconds >= 0),
    event_id           INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE candidates (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs(id),
    prompt_id      INTEGER NOT NULL REFERENCES prompts(id),
    idx            INTEGER NOT NULL CHECK (idx >= 0),
    text           TEXT    NOT NULL,
    token_count    INTEGER NOT NULL CHECK (token_count >= 0),
    finish_reason  TEXT    NOT NULL CHECK (finish_reason IN ('stop', 'length')),
    latency_ms     REAL    NOT NULL CHECK (latency_ms >= 0),
    auto_flags     TEXT    NOT NULL DEFAULT '',
    created_at     TEXT    NOT NULL,
    event_id       INTEGER NOT NULL REFERENCES audit_events(id),
    UNIQUE (run_id, prompt_id, idx)
);
CREATE INDEX candidates_event ON candidates(event_id);
CREATE INDEX candidates_prompt ON candidates(prompt_id);

CREATE TABLE items (
    id                 INTEGER PRIMARY KEY,
    rubric_version_id  INTEGER NOT NULL REFERENCES rubric_versions(id),
    candidate_a        INTEGER NOT NULL REFERENCES candidates(id),
    candidate_b        INTEGER REFERENCES candidates(id),
    stage              TEXT    NOT NULL CHECK (stage IN ('crawl', 'walk', 'run')),
    overlap            INTEGER NOT NULL CHECK (overlap >= 1),
    reason             TEXT    NOT NULL CHECK (reason IN ('all', 'sampled', 'flagged', 'manual')),
    created_at         TEXT    NOT NULL,
    event_id           INTEGER NOT NULL REFERENCES audit_events(id),
    CHECK (candidate_b IS NULL OR candidate_b <> candidate_a)
);
CREATE INDEX items_event ON items(event_id);
CREATE INDEX items_rubric ON items(rubric_version_id);

CREATE TABLE gold_items (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    created_at  TEXT    NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE gold_answers (
    item_id    INTEGER NOT NULL REFERENCES gold_items(item_id),
    criterion  TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (item_id, criterion)
);

CREATE TABLE review_sessions (
    id          INTEGER PRIMARY KEY,
    rater_id    INTEGER NOT NULL REFERENCES raters(id),
    order_seed  INTEGER NOT NULL,
    started_at  TEXT    NOT NULL,
    -- Updated when the session ends (not audited).
    ended_at    TEXT,
    event_id    INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE leases (
    item_id     INTEGER NOT NULL REFERENCES items(id),
    rater_id    INTEGER NOT NULL REFERENCES raters(id),
    session_id  INTEGER REFERENCES review_sessions(id),
    leased_at   TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    PRIMARY KEY (item_id, rater_id)
);
CREATE INDEX leases_expiry ON leases(expires_at);

CREATE TABLE ratings (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES items(id),
    rater_id         INTEGER NOT NULL REFERENCES raters(id),
    session_id       INTEGER REFERENCES review_sessions(id),
    outcome          TEXT    NOT NULL CHECK (outcome IN ('rated', 'discarded')),
    comment          TEXT,
    discard_reason   TEXT,
    shown_at         TEXT    NOT NULL,
    first_answer_at  TEXT,
    submitted_at     TEXT    NOT NULL,
    active_seconds   REAL    NOT NULL CHECK (active_seconds >= 0),
    -- Set when a retraction row is written (not audited; the retraction is).
    retracted_at     TEXT,
    event_id         INTEGER NOT NULL REFERENCES audit_events(id),
    CHECK (outcome <> 'discarded' OR discard_reason IS NOT NULL)
);
-- A rater holds at most one live rating of an item; a retracted one may be followed by another.
CREATE UNIQUE INDEX ratings_one_live ON ratings(item_id, rater_id) WHERE retracted_at IS NULL;
CREATE INDEX ratings_event ON ratings(event_id);
CREATE INDEX ratings_rater ON ratings(rater_id);

CREATE TABLE rating_values (
    rating_id      INTEGER NOT NULL REFERENCES ratings(id),
    criterion      TEXT    NOT NULL,
    value          TEXT    NOT NULL,
    numeric_value  REAL,
    event_id       INTEGER NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (rating_id, criterion)
);
CREATE INDEX rating_values_event ON rating_values(event_id);

CREATE TABLE rating_flags (
    rating_id  INTEGER NOT NULL REFERENCES ratings(id),
    flag       TEXT    NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES audit_events(id),
    PRIMARY KEY (rating_id, flag)
);

CREATE TABLE retractions (
    id          INTEGER PRIMARY KEY,
    rating_id   INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
    rater_id    INTEGER NOT NULL REFERENCES raters(id),
    at          TEXT    NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE skips (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    rater_id    INTEGER NOT NULL REFERENCES raters(id),
    session_id  INTEGER REFERENCES review_sessions(id),
    at          TEXT    NOT NULL
);

CREATE TABLE gate_decisions (
    id            INTEGER PRIMARY KEY,
    scope         TEXT    NOT NULL,
    from_stage    TEXT    NOT NULL CHECK (from_stage IN ('crawl', 'walk', 'run')),
    to_stage      TEXT    NOT NULL CHECK (to_stage IN ('crawl', 'walk', 'run')),
    outcome       TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'inconclusive')),
    rules_sha256  TEXT    NOT NULL,
    evidence      TEXT    NOT NULL,
    decided_at    TEXT    NOT NULL,
    event_id      INTEGER NOT NULL REFERENCES audit_events(id)
);

CREATE TABLE stage_changes (
    id                INTEGER PRIMARY KEY,
    scope             TEXT    NOT NULL,
    from_stage        TEXT    CHECK (from_stage IN ('crawl', 'walk', 'run')),
    to_stage          TEXT    NOT NULL CHECK (to_stage IN ('crawl', 'walk', 'run')),
    direction         TEXT    NOT NULL CHECK (direction IN ('promote', 'demote')),
    gate_decision_id  INTEGER REFERENCES gate_decisions(id),
    override          INTEGER NOT NULL CHECK (override IN (0, 1)),
    reason            TEXT,
    actor_id          INTEGER REFERENCES raters(id),
    at                TEXT    NOT NULL,
    event_id          INTEGER NOT NULL REFERENCES audit_events(id),
    CHECK (override = 0 OR (reason IS NOT NULL AND actor_id IS NOT NULL)),
    CHECK (override = 1 OR gate_decision_id IS NOT NULL)
);
CREATE INDEX stage_changes_scope ON stage_changes(scope, id);

CREATE TABLE exports (
    id               INTEGER PRIMARY KEY,
    path             TEXT    NOT NULL,
    manifest_sha256  TEXT    NOT NULL CHECK (length(manifest_sha256) = 64),
    train_rows       INTEGER NOT NULL CHECK (train_rows >= 0),
    eval_rows        INTEGER NOT NULL CHECK (eval_rows >= 0),
    created_at       TEXT    NOT NULL,
    event_id         INTEGER NOT NULL REFERENCES audit_events(id)
);
