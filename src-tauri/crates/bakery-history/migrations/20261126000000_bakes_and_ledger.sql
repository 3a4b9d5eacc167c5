-- Bakes, their event stream, their artifacts, and the ledger of every cloud resource a bake
-- creates (written BEFORE the resource is created, so a crash can always be cleaned up).
CREATE TABLE bakes (
    id            TEXT PRIMARY KEY,
    template_path TEXT,
    template_text TEXT,
    build_name    TEXT,
    profile       TEXT,
    region        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'aborted')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    error         TEXT
);

CREATE TABLE bake_events (
    bake_id TEXT    NOT NULL REFERENCES bakes (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TEXT    NOT NULL,
    event   TEXT    NOT NULL,
    PRIMARY KEY (bake_id, seq)
);

CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bake_id     TEXT NOT NULL REFERENCES bakes (id) ON DELETE CASCADE,
    region      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT,
    resource_id TEXT,
    state       TEXT NOT NULL CHECK (state IN ('intended', 'created', 'deleted', 'kept', 'failed')),
    note        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX ledger_open ON ledger (bake_id, state);

CREATE TABLE artifacts (
    bake_id      TEXT NOT NULL REFERENCES bakes (id) ON DELETE CASCADE,
    region       TEXT NOT NULL,
    image_id     TEXT NOT NULL,
    snapshot_ids TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (bake_id, region)
);
