-- The timeline at 100,000 bakes: a zoomed-out window counts whole days from a rollup
-- instead of reading every bake, and free text finds its bakes in a trigram index instead
-- of matching inside every row. Both are kept by triggers, so every writer (a bake, an
-- import, a later migration, a hand-written UPDATE) keeps them right.

-- Bakes per UTC day (the first ten characters of `started_at`, which the history writes in
-- UTC) and per everything a lane or a filter of the timeline reads. NULLs are values here
-- (matched with IS), as they are lanes of their own.
CREATE TABLE timeline_days (
    day           TEXT    NOT NULL,
    template_path TEXT,
    profile       TEXT,
    account_id    TEXT,
    region        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    bakes         INTEGER NOT NULL,
    first_started TEXT    NOT NULL,
    last_started  TEXT    NOT NULL
);
-- Covering: a window's days are read from the index alone.
CREATE INDEX timeline_days_key
    ON timeline_days (day, template_path, profile, account_id, region, status,
                      bakes, first_started, last_started);

INSERT INTO timeline_days (day, template_path, profile, account_id, region, status, bakes,
                           first_started, last_started)
SELECT substr(started_at, 1, 10), template_path, profile, account_id, region, status,
       COUNT(*), MIN(started_at), MAX(started_at)
FROM bakes
GROUP BY substr(started_at, 1, 10), template_path, profile, account_id, region, status;

CREATE TRIGGER timeline_days_bake_added AFTER INSERT ON bakes BEGIN
    INSERT INTO timeline_days (day, template_path, profile, account_id, region, status,
                               bakes, first_started, last_started)
    SELECT substr(NEW.started_at, 1, 10), NEW.template_path, NEW.profile, NEW.account_id,
           NEW.region, NEW.status, 0, NEW.started_at, NEW.started_at
    WHERE NOT EXISTS (
        SELECT 1 FROM timeline_days
        WHERE day = substr(NEW.started_at, 1, 10) AND template_path IS NEW.template_path
          AND profile IS NEW.profile AND account_id IS NEW.account_id
          AND region = NEW.region AND status = NEW.status);
    UPDATE timeline_days
    SET bakes = bakes + 1,
        first_started = min(first_started, NEW.started_at),
        last_started = max(last_started, NEW.started_at)
    WHERE day = substr(NEW.started_at, 1, 10) AND template_path IS NEW.template_path
      AND profile IS NEW.profile AND account_id IS NEW.account_id
      AND region = NEW.region AND status = NEW.status;
END;

-- A bake leaves its day's row: the row goes with its last bake, else its first and last
-- start are looked up again among the bakes still in it (when the one leaving was one).
CREATE TRIGGER timeline_days_bake_removed AFTER DELETE ON bakes BEGIN
    DELETE FROM timeline_days
    WHERE day = substr(OLD.started_at, 1, 10) AND template_path IS OLD.template_path
      AND profile IS OLD.profile AND account_id IS OLD.account_id
      AND region = OLD.region AND status = OLD.status AND bakes <= 1;
    UPDATE timeline_days
    SET bakes = bakes - 1,
        first_started = CASE WHEN first_started < OLD.started_at THEN first_started ELSE COALESCE((
            SELECT MIN(b.started_at) FROM bakes b
            WHERE b.started_at >= day AND b.started_at < day || char(1114111)
              AND substr(b.started_at, 1, 10) = day AND b.template_path IS OLD.template_path
              AND b.profile IS OLD.profile AND b.account_id IS OLD.account_id
              AND b.region = OLD.region AND b.status = OLD.status), first_started) END,
        last_started = CASE WHEN last_started > OLD.started_at THEN last_started ELSE COALESCE((
            SELECT MAX(b.started_at) FROM bakes b
            WHERE b.started_at >= day AND b.started_at < day || char(1114111)
              AND substr(b.started_at, 1, 10) = day AND b.template_path IS OLD.template_path
              AND b.profile IS OLD.profile AND b.account_id IS OLD.account_id
              AND b.region = OLD.region AND b.status = OLD.status), last_started) END
    WHERE day = substr(OLD.started_at, 1, 10) AND template_path IS OLD.template_path
      AND profile IS OLD.profile AND account_id IS OLD.account_id
      AND region = OLD.region AND status = OLD.status;
END;

-- A bake that ends (its status), learns its account, or is otherwise moved: out of its old
-- day's row (as above), into its new one (as an insert).
CREATE TRIGGER timeline_days_bake_changed
AFTER UPDATE OF started_at, template_path, profile, account_id, region, status ON bakes
WHEN OLD.started_at IS NOT NEW.started_at OR OLD.template_path IS NOT NEW.template_path
  OR OLD.profile IS NOT NEW.profile OR OLD.account_id IS NOT NEW.account_id
  OR OLD.region IS NOT NEW.region OR OLD.status IS NOT NEW.status
BEGIN
    DELETE FROM timeline_days
    WHERE day = substr(OLD.started_at, 1, 10) AND template_path IS OLD.template_path
      AND profile IS OLD.profile AND account_id IS OLD.account_id
      AND region = OLD.region AND status = OLD.status AND bakes <= 1;
    UPDATE timeline_days
    SET bakes = bakes - 1,
        first_started = CASE WHEN first_started < OLD.started_at THEN first_started ELSE COALESCE((
            SELECT MIN(b.started_at) FROM bakes b
            WHERE b.started_at >= day AND b.started_at < day || char(1114111)
              AND substr(b.started_at, 1, 10) = day AND b.template_path IS OLD.template_path
              AND b.profile IS OLD.profile AND b.account_id IS OLD.account_id
              AND b.region = OLD.region AND b.status = OLD.status), first_started) END,
        last_started = CASE WHEN last_started > OLD.started_at THEN last_started ELSE COALESCE((
            SELECT MAX(b.started_at) FROM bakes b
            WHERE b.started_at >= day AND b.started_at < day || char(1114111)
              AND substr(b.started_at, 1, 10) = day AND b.template_path IS OLD.template_path
              AND b.profile IS OLD.profile AND b.account_id IS OLD.account_id
              AND b.region = OLD.region AND b.status = OLD.status), last_started) END
    WHERE day = substr(OLD.started_at, 1, 10) AND template_path IS OLD.template_path
      AND profile IS OLD.profile AND account_id IS OLD.account_id
      AND region = OLD.region AND status = OLD.status;
    INSERT INTO timeline_days (day, template_path, profile, account_id, region, status,
                               bakes, first_started, last_started)
    SELECT substr(NEW.started_at, 1, 10), NEW.template_path, NEW.profile, NEW.account_id,
           NEW.region, NEW.status, 0, NEW.started_at, NEW.started_at
    WHERE NOT EXISTS (
        SELECT 1 FROM timeline_days
        WHERE day = substr(NEW.started_at, 1, 10) AND template_path IS NEW.template_path
          AND profile IS NEW.profile AND account_id IS NEW.account_id
          AND region = NEW.region AND status = NEW.status);
    UPDATE timeline_days
    SET bakes = bakes + 1,
        first_started = min(first_started, NEW.started_at),
        last_started = max(last_started, NEW.started_at)
    WHERE day = substr(NEW.started_at, 1, 10) AND template_path IS NEW.template_path
      AND profile IS NEW.profile AND account_id IS NEW.account_id
      AND region = NEW.region AND status = NEW.status;
END;

-- Free text: each bake's searched text (what the timeline's filter matches: its id,
-- template, build, profile, account, region, error, source image, and the images it made)
-- in a trigram index. It keeps no positions (`detail = 'none'`: a fraction of the size, and
-- faster to ask): it answers which bakes hold every trigram of a text (case folded), a few
-- more than hold the text, and the timeline checks each one as the scan does.
-- `bake_text_keys` numbers the bakes for it (a rowid of `bakes` may change on VACUUM; an
-- INTEGER PRIMARY KEY does not).
CREATE VIEW bake_search_text (bake_id, text) AS
SELECT b.id,
       b.id || ' ' || COALESCE(b.template_path, '') || ' ' || COALESCE(b.build_name, '') || ' '
       || COALESCE(b.profile, '') || ' ' || COALESCE(b.account_id, '') || ' ' || b.region || ' '
       || COALESCE(b.error, '') || ' ' || COALESCE(b.source_image_id, '') || ' '
       || COALESCE(b.source_image_name, '')
       || COALESCE((SELECT ' ' || group_concat(a.image_id, ' ') FROM artifacts a WHERE a.bake_id = b.id), '')
FROM bakes b;

CREATE TABLE bake_text_keys (
    id      INTEGER PRIMARY KEY,
    bake_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE bake_text USING fts5 (text, tokenize = 'trigram', detail = 'none');

INSERT INTO bake_text_keys (bake_id) SELECT id FROM bakes ORDER BY started_at, id;
INSERT INTO bake_text (rowid, text)
SELECT k.id, s.text FROM bake_search_text s JOIN bake_text_keys k ON k.bake_id = s.bake_id;

CREATE TRIGGER bake_text_bake_added AFTER INSERT ON bakes BEGIN
    INSERT INTO bake_text_keys (bake_id) VALUES (NEW.id);
    INSERT INTO bake_text (rowid, text)
    SELECT k.id, s.text FROM bake_search_text s JOIN bake_text_keys k ON k.bake_id = s.bake_id
    WHERE s.bake_id = NEW.id;
END;

CREATE TRIGGER bake_text_bake_changed
AFTER UPDATE OF id, template_path, build_name, profile, account_id, region, error,
                source_image_id, source_image_name ON bakes
BEGIN
    UPDATE bake_text_keys SET bake_id = NEW.id WHERE bake_id = OLD.id AND NEW.id IS NOT OLD.id;
    UPDATE bake_text SET text = (SELECT text FROM bake_search_text WHERE bake_id = NEW.id)
    WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = NEW.id);
END;

CREATE TRIGGER bake_text_bake_removed AFTER DELETE ON bakes BEGIN
    DELETE FROM bake_text WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = OLD.id);
    DELETE FROM bake_text_keys WHERE bake_id = OLD.id;
END;

-- An image made, replaced, moved or forgotten: its bake's text again, from what is stored.
CREATE TRIGGER bake_text_artifact_added AFTER INSERT ON artifacts BEGIN
    UPDATE bake_text SET text = (SELECT text FROM bake_search_text WHERE bake_id = NEW.bake_id)
    WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = NEW.bake_id);
END;

CREATE TRIGGER bake_text_artifact_changed AFTER UPDATE OF bake_id, image_id ON artifacts BEGIN
    UPDATE bake_text SET text = (SELECT text FROM bake_search_text WHERE bake_id = OLD.bake_id)
    WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = OLD.bake_id);
    UPDATE bake_text SET text = (SELECT text FROM bake_search_text WHERE bake_id = NEW.bake_id)
    WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = NEW.bake_id)
      AND NEW.bake_id IS NOT OLD.bake_id;
END;

CREATE TRIGGER bake_text_artifact_removed AFTER DELETE ON artifacts BEGIN
    UPDATE bake_text SET text = (SELECT text FROM bake_search_text WHERE bake_id = OLD.bake_id)
    WHERE rowid = (SELECT id FROM bake_text_keys WHERE bake_id = OLD.bake_id);
END;

-- A window's bakes read in the order the timeline draws them, without a sort.
DROP INDEX bakes_started;
CREATE INDEX bakes_started ON bakes (started_at, id);
