-- The timeline: what a bake is besides its status. The template as baked is content-addressed
-- (bakes of an unchanged template share one row); the steps get rows of their own (the
-- waterfall and the trends read them without replaying events); the source image and the
-- artifacts' encryption and sharing make the lineage. Older bakes keep their
-- `template_text` (read when they have no `template_hash`) and get their steps from their
-- stored events below.
CREATE TABLE templates (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL
);

ALTER TABLE bakes ADD COLUMN template_hash TEXT REFERENCES templates (hash);
ALTER TABLE bakes ADD COLUMN variables TEXT NOT NULL DEFAULT '{}';
ALTER TABLE bakes ADD COLUMN account_id TEXT;
ALTER TABLE bakes ADD COLUMN host TEXT;
ALTER TABLE bakes ADD COLUMN regions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE bakes ADD COLUMN source_image_id TEXT;
ALTER TABLE bakes ADD COLUMN source_image_name TEXT;
ALTER TABLE bakes ADD COLUMN source_image_owner TEXT;
ALTER TABLE bakes ADD COLUMN source_image_created TEXT;

UPDATE bakes SET regions = json_array(region);

CREATE TABLE bake_steps (
    bake_id     TEXT NOT NULL REFERENCES bakes (id) ON DELETE CASCADE,
    step        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    duration_ms INTEGER,
    error       TEXT,
    PRIMARY KEY (bake_id, step)
);

INSERT OR IGNORE INTO bake_steps (bake_id, step, started_at, status)
SELECT bake_id, json_extract(event, '$.step'), at, 'running'
FROM bake_events
WHERE json_extract(event, '$.type') = 'step_started';

UPDATE bake_steps SET
    (finished_at, status, duration_ms, error) = (
        SELECT e.at,
               CASE json_extract(e.event, '$.type')
                   WHEN 'step_finished' THEN 'succeeded'
                   WHEN 'step_failed' THEN 'failed'
                   ELSE 'cancelled' END,
               json_extract(e.event, '$.duration_ms'),
               json_extract(e.event, '$.error')
        FROM bake_events e
        WHERE e.bake_id = bake_steps.bake_id
          AND json_extract(e.event, '$.step') = bake_steps.step
          AND json_extract(e.event, '$.type') IN ('step_finished', 'step_failed', 'step_cancelled')
        ORDER BY e.seq DESC LIMIT 1)
WHERE EXISTS (
    SELECT 1 FROM bake_events e
    WHERE e.bake_id = bake_steps.bake_id
      AND json_extract(e.event, '$.step') = bake_steps.step
      AND json_extract(e.event, '$.type') IN ('step_finished', 'step_failed', 'step_cancelled'));

ALTER TABLE artifacts ADD COLUMN encrypted INTEGER;
ALTER TABLE artifacts ADD COLUMN shared_with TEXT NOT NULL DEFAULT '[]';

-- The timeline asks for a window of time; lineage follows images both ways.
CREATE INDEX bakes_started ON bakes (started_at);
CREATE INDEX bakes_status ON bakes (status, started_at);
CREATE INDEX bakes_template ON bakes (template_path, started_at);
CREATE INDEX bakes_source_image ON bakes (source_image_id);
CREATE INDEX artifacts_image ON artifacts (image_id);
