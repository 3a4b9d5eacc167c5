//! Finding and counting the bakes of a timeline window without reading every one of them.
//! Whole days inside the window (and inside one time bucket) are counted from the
//! `timeline_days` rollup; the rest of the window (its partial first and last days, days a
//! bucket boundary cuts, bakes started before it and still going into it) from `bakes`;
//! free text of three characters or more finds its candidates in the `bake_text` trigram
//! index and checks each one as the scan does. The rollup and the index are kept by
//! triggers (migration `20261207000000_timeline_rollup`).
//!
//! Invariant: counting and reading a window this way ([`Finding::Indexed`]) gives what
//! matching every row of the window gives ([`Finding::Scan`], the one condition the
//! timeline had before; the tests compare the two). One bake could tell them apart: one
//! recorded as finished before the window starts but started inside it (a clock set back
//! mid-bake), on a day the rollup counts whole: the scan leaves it out, the rollup counts it.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use crate::timeline::{LONGEST_BAKE_DAYS, TimelineBake, TimelineCluster, TimelineQuery};
use crate::{BAKE_FIELDS, HistoryError, bake_from_row};

const DAY_MS: i64 = 86_400_000;

/// How a window's bakes are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finding {
    /// One condition over every row of the window, free text matched inside each row
    /// (what the tests compare with).
    Scan,
    /// Whole days from the rollup, free text from its index, the rest from `bakes`.
    Indexed,
}

/// SQL conditions joined by AND, with the values of their `?`s in order.
#[derive(Debug, Clone, Default)]
struct Condition {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Condition {
    fn and(mut self, clause: &str, values: impl IntoIterator<Item = Value>) -> Self {
        self.clauses.push(clause.to_string());
        self.values.extend(values);
        self
    }

    fn and_all(mut self, other: &Condition) -> Self {
        self.clauses.extend(other.clauses.iter().cloned());
        self.values.extend(other.values.iter().cloned());
        self
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

/// What the free-text filter matches, as the scan writes it (`?`: the pattern).
const SEARCHED_TEXT: &str =
    "id || ' ' || COALESCE(template_path, '') || ' ' || COALESCE(build_name, '') || ' '
    || COALESCE(profile, '') || ' ' || COALESCE(account_id, '') || ' ' || region || ' '
    || COALESCE(error, '') || ' ' || COALESCE(source_image_id, '') || ' '
    || COALESCE(source_image_name, '') LIKE ? ESCAPE '\\'";

/// How free text is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextMatch<'a> {
    /// Inside every row, and inside every produced image (all of them, once).
    Like,
    /// Inside every row, and inside the images of each row (the same match, for windows
    /// narrower than every image).
    Each,
    /// Among these bakes (the trigram index's candidates: ids, a JSON array), each then
    /// matched as [`TextMatch::Each`] does.
    Among(&'a str),
}

/// The query's free text, trimmed, when it has some.
fn free_text(query: &TimelineQuery) -> Option<&str> {
    query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The filters of a query (status, template, profile, region; free text unless `text` is
/// `None`). Their columns are named alike in `bakes` and `timeline_days`.
fn filters(query: &TimelineQuery, text_match: Option<TextMatch<'_>>) -> Condition {
    let mut condition = Condition::default();
    if !query.status.is_empty() {
        let list = query
            .status
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        condition = condition.and(&format!("status IN ({list})"), []);
    }
    if let Some(template) = &query.template {
        condition = condition.and("template_path = ?", [text(template)]);
    }
    if let Some(profile) = &query.profile {
        condition = condition.and("profile = ?", [text(profile)]);
    }
    if let Some(region) = &query.region {
        condition = condition.and("region = ?", [text(region)]);
    }
    if let (Some(found), Some(how)) = (free_text(query), text_match) {
        let escaped = found
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = Value::Text(format!("%{escaped}%"));
        let each = format!(
            "({SEARCHED_TEXT}
              OR EXISTS (SELECT 1 FROM artifacts a WHERE a.bake_id = bakes.id
                         AND a.image_id LIKE ? ESCAPE '\\'))"
        );
        condition = match how {
            TextMatch::Like => condition.and(
                &format!(
                    "({SEARCHED_TEXT}
                      OR id IN (SELECT bake_id FROM artifacts WHERE image_id LIKE ? ESCAPE '\\'))"
                ),
                [pattern.clone(), pattern],
            ),
            TextMatch::Each => condition.and(&each, [pattern.clone(), pattern]),
            TextMatch::Among(candidates) => condition.and(
                &format!("id IN (SELECT value FROM json_each(?)) AND {each}"),
                [text(candidates), pattern.clone(), pattern],
            ),
        };
    }
    condition
}

/// Free text as a query of the trigram index: every trigram of it (the index keeps no
/// positions, so it answers which bakes hold them all, wherever).
fn trigrams(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut all: Vec<String> = chars
        .windows(3)
        .map(|trigram| format!("\"{}\"", String::from_iter(trigram).replace('"', "\"\"")))
        .collect();
    all.sort();
    all.dedup();
    all.join(" ")
}

/// At most this many candidates are checked one by one (more, and the window's rows are).
const MANY_CANDIDATES: i64 = 20_000;

/// How a query's free text is matched best, as a [`Split`] knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FreeText {
    /// Among the trigram index's candidates (ids, a JSON array): text of three characters
    /// or more, held by no more bakes than the window holds (checking a candidate costs
    /// about what matching a row does) nor [`MANY_CANDIDATES`].
    Among(String),
    /// In each row: a window of fewer bakes than a quarter of the history.
    Each,
    /// In each row and every image at once (then the window is scanned whole).
    Like,
}

impl FreeText {
    fn of(conn: &Connection, query: &TimelineQuery, found: &str) -> Result<Self, HistoryError> {
        // How many bakes the window holds, about: the history's, by the share of its time
        // the window covers.
        let (first, last, bakes): (Option<String>, Option<String>, Option<i64>) = conn
            .prepare_cached(
                "SELECT (SELECT MIN(started_at) FROM bakes), (SELECT MAX(started_at) FROM bakes),
                        (SELECT MAX(id) FROM bake_text_keys)",
            )?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        let bakes = bakes.unwrap_or(0);
        let share = |first: &str, last: &str| -> Option<f64> {
            let (first, last) = (epoch_ms(first).ok()?, epoch_ms(last).ok()? + 1);
            let (from, to) = (epoch_ms(&query.from).ok()?, epoch_ms(&query.to).ok()?);
            let covered = (to.min(last) - from.max(first)).max(0);
            Some(covered as f64 / (last - first) as f64)
        };
        let share = match (&first, &last) {
            (Some(first), Some(last)) => share(first, last).unwrap_or(1.0),
            _ => 1.0,
        };
        let window = (bakes as f64 * share) as i64;
        if found.chars().count() >= 3 {
            let most = window.min(MANY_CANDIDATES);
            let mut stmt = conn.prepare_cached(
                "SELECT k.bake_id FROM bake_text JOIN bake_text_keys k ON k.id = bake_text.rowid
                 WHERE bake_text MATCH ?1 LIMIT ?2",
            )?;
            let ids = stmt
                .query_map(params![trigrams(found), most + 1], |row| {
                    row.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            if i64::try_from(ids.len()).unwrap_or(i64::MAX) <= most {
                let ids = serde_json::to_string(&ids)
                    .map_err(|e| HistoryError::Corrupt(e.to_string()))?;
                return Ok(Self::Among(ids));
            }
        }
        Ok(if window * 4 < bakes {
            Self::Each
        } else {
            Self::Like
        })
    }
}

/// The window as one condition: started before its end, and still going at its start
/// (finished ones started at most LONGEST_BAKE_DAYS before it, or running).
fn scan_condition(query: &TimelineQuery) -> Condition {
    Condition::default().and(
        "((started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', ?, ?) AND started_at < ?
           AND (finished_at >= ? OR finished_at IS NULL))
          OR (status = 'running' AND started_at < ?))",
        [
            text(&query.from),
            text(&format!("-{LONGEST_BAKE_DAYS} days")),
            text(&query.to),
            text(&query.from),
            text(&query.to),
        ],
    )
}

/// The window cut by start time into parts that follow each other: the bakes running
/// since before `week_before` (LONGEST_BAKE_DAYS before the start), those started in that
/// week and still going at the start, then those started inside the window.
pub(crate) struct Split {
    week_before: String,
    /// How its free text is matched, when it has some.
    text: Option<FreeText>,
}

impl Split {
    /// How the window is found: cut (free text among the index's candidates when it
    /// helps), or else (`None`) scanned as one condition: [`Finding::Scan`], free text
    /// matched in every row of a wide window, a start SQLite does not shift by days.
    pub(crate) fn of(
        conn: &Connection,
        query: &TimelineQuery,
        finding: Finding,
    ) -> Result<Option<Self>, HistoryError> {
        if finding == Finding::Scan {
            return Ok(None);
        }
        let text = match free_text(query) {
            Some(found) => match FreeText::of(conn, query, found)? {
                FreeText::Like => return Ok(None),
                text => Some(text),
            },
            None => None,
        };
        let week_before: Option<String> = conn
            .prepare_cached("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1, ?2)")?
            .query_row(
                [&query.from, &format!("-{LONGEST_BAKE_DAYS} days")],
                |row| row.get(0),
            )?;
        Ok(week_before
            .filter(|week_before| week_before.as_str() <= query.from.as_str())
            .map(|week_before| Self { week_before, text }))
    }

    /// The query's filters on `bakes`.
    fn filters(&self, query: &TimelineQuery) -> Condition {
        let text = match &self.text {
            Some(FreeText::Among(candidates)) => TextMatch::Among(candidates),
            _ => TextMatch::Each,
        };
        filters(query, Some(text))
    }

    /// The parts before the window's start, in start order.
    fn before(&self, query: &TimelineQuery) -> [Condition; 2] {
        let to = query.to.as_str();
        [
            Condition::default().and(
                "status = 'running' AND started_at < ?",
                [text(self.week_before.as_str().min(to))],
            ),
            Condition::default().and(
                "started_at >= ? AND started_at < ?
                 AND (finished_at >= ? OR finished_at IS NULL OR status = 'running')",
                [
                    text(&self.week_before),
                    text(query.from.as_str().min(to)),
                    text(&query.from),
                ],
            ),
        ]
    }

    /// The bakes started inside the window, from `lo` (included) to `hi` (not).
    fn inside(query: &TimelineQuery, lo: &str, hi: &str) -> Condition {
        Condition::default().and(
            "started_at >= ? AND started_at < ?
             AND (finished_at >= ? OR finished_at IS NULL OR status = 'running')",
            [text(lo), text(hi), text(&query.from)],
        )
    }
}

/// One lane's bakes in one time bucket, as they are counted.
#[derive(Debug, Default)]
struct Count {
    /// The first start (ms since the epoch).
    first: i64,
    /// The last start.
    last: i64,
    bakes: u32,
    failed: u32,
    running: u32,
}

/// A window's bakes counted per lane and time bucket: the clusters.
pub(crate) struct Counter {
    from: i64,
    span: i64,
    buckets: i64,
    /// Lanes are few: a row finds its lane's number by comparing, allocating nothing.
    lanes: Vec<String>,
    /// (lane number, bucket) → its count.
    counted: HashMap<(usize, i64), Count>,
}

impl Counter {
    fn new(query: &TimelineQuery) -> Result<Self, HistoryError> {
        let from = epoch_ms(&query.from)?;
        Ok(Self {
            from,
            span: (epoch_ms(&query.to)? - from).max(1),
            buckets: i64::from(query.buckets.max(1)),
            lanes: Vec::new(),
            counted: HashMap::new(),
        })
    }

    /// The bucket of a start time (ms since the epoch).
    fn bucket(&self, at: i64) -> i64 {
        let bucket = i128::from(at - self.from) * i128::from(self.buckets) / i128::from(self.span);
        i64::try_from(bucket).unwrap_or(i64::MAX)
    }

    fn lane(&mut self, name: &str) -> usize {
        match self.lanes.iter().position(|l| l == name) {
            Some(i) => i,
            None => {
                self.lanes.push(name.to_string());
                self.lanes.len() - 1
            }
        }
    }

    /// Adds `bakes` bakes of one lane and bucket, started from `first` to `last`.
    fn add(
        &mut self,
        lane: &str,
        bucket: i64,
        (first, last): (i64, i64),
        status: &str,
        bakes: u32,
    ) {
        let lane = self.lane(lane);
        let entry = self.counted.entry((lane, bucket)).or_insert(Count {
            first,
            last,
            ..Count::default()
        });
        entry.first = entry.first.min(first);
        entry.last = entry.last.max(last);
        entry.bakes += bakes;
        if matches!(status, "failed" | "aborted") {
            entry.failed += bakes;
        }
        if status == "running" {
            entry.running += bakes;
        }
    }

    /// Counts the rows of `bakes` the condition holds, one by one. Counted here rather
    /// than by SQL's GROUP BY, which sorts every row (5× slower over a year of bakes).
    fn rows(
        &mut self,
        conn: &Connection,
        lane: &str,
        condition: &Condition,
    ) -> Result<(), HistoryError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {lane}, started_at, status FROM bakes WHERE {}",
            condition.sql()
        ))?;
        let mut rows = stmt.query(params_from_iter(condition.values.iter()))?;
        while let Some(row) = rows.next()? {
            let (lane, started, status) = (str_at(row, 0)?, str_at(row, 1)?, str_at(row, 2)?);
            let at = epoch_ms(started)?;
            self.add(lane, self.bucket(at), (at, at), status, 1);
        }
        Ok(())
    }

    /// Counts the rollup's rows of the whole days from `first` to `last` (each in one
    /// bucket) that the filters hold.
    fn days(
        &mut self,
        conn: &Connection,
        lane: &str,
        (first, last): (&str, &str),
        filters: &Condition,
    ) -> Result<(), HistoryError> {
        let condition = Condition::default()
            .and("day >= ? AND day <= ?", [text(first), text(last)])
            .and_all(filters);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {lane}, day, status, bakes, first_started, last_started FROM timeline_days
             WHERE {}",
            condition.sql()
        ))?;
        let mut rows = stmt.query(params_from_iter(condition.values.iter()))?;
        // Rows come by day (the index's order): each day's bucket is found once.
        let mut day_bucket: Option<(String, i64)> = None;
        while let Some(row) = rows.next()? {
            let (lane, day, status) = (str_at(row, 0)?, str_at(row, 1)?, str_at(row, 2)?);
            let bakes: i64 = row.get(3)?;
            let bucket = match &day_bucket {
                Some((known, bucket)) if known == day => *bucket,
                _ => {
                    let bucket = self.bucket(day_start(day)?);
                    day_bucket = Some((day.to_string(), bucket));
                    bucket
                }
            };
            let starts = (epoch_ms(str_at(row, 4)?)?, epoch_ms(str_at(row, 5)?)?);
            self.add(
                lane,
                bucket,
                starts,
                status,
                u32::try_from(bakes).unwrap_or(u32::MAX),
            );
        }
        Ok(())
    }

    /// The clusters, by lane, then in time.
    pub(crate) fn clusters(self) -> Vec<TimelineCluster> {
        let lanes = self.lanes;
        let mut clusters: Vec<TimelineCluster> = self
            .counted
            .into_iter()
            .map(|((lane, _), count)| TimelineCluster {
                lane: lanes[lane].clone(),
                from: rfc3339_ms(count.first),
                to: rfc3339_ms(count.last),
                count: count.bakes,
                failed: count.failed,
                running: count.running,
            })
            .collect();
        clusters.sort_by(|a, b| a.lane.cmp(&b.lane).then_with(|| a.from.cmp(&b.from)));
        clusters
    }
}

fn str_at<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, HistoryError> {
    row.get_ref(i)?
        .as_str()
        .map_err(|e| HistoryError::Corrupt(e.to_string()))
}

/// Counts the window's bakes per lane and bucket.
pub(crate) fn count(
    conn: &Connection,
    query: &TimelineQuery,
    split: Option<&Split>,
) -> Result<Counter, HistoryError> {
    let mut counter = Counter::new(query)?;
    let lane = query.lane_by.column();
    let Some(split) = split else {
        let condition = scan_condition(query).and_all(&filters(query, Some(TextMatch::Like)));
        counter.rows(conn, lane, &condition)?;
        return Ok(counter);
    };
    let bake_filters = split.filters(query);
    for part in split.before(query) {
        counter.rows(conn, lane, &part.and_all(&bake_filters))?;
    }
    // The rollup knows no text: a search counts its (few) bakes one by one.
    let runs = if free_text(query).is_some() {
        Vec::new()
    } else {
        whole_days(conn, query, &counter)?
    };
    let mut lo = query.from.clone();
    for (first, last) in &runs {
        if lo.as_str() < first.as_str() {
            let part = Split::inside(query, &lo, first).and_all(&bake_filters);
            counter.rows(conn, lane, &part)?;
        }
        lo = day_after(last);
    }
    if lo.as_str() < query.to.as_str() {
        let part = Split::inside(query, &lo, &query.to).and_all(&bake_filters);
        counter.rows(conn, lane, &part)?;
    }
    let day_filters = filters(query, None);
    for (first, last) in &runs {
        counter.days(conn, lane, (first, last), &day_filters)?;
    }
    Ok(counter)
}

/// The runs of whole days (first and last, `YYYY-MM-DD`) the rollup counts for a window:
/// days whose every start sorts inside the window (as text, as the window's condition
/// compares) and falls in one bucket.
fn whole_days(
    conn: &Connection,
    query: &TimelineQuery,
    counter: &Counter,
) -> Result<Vec<(String, String)>, HistoryError> {
    let (first, last): (Option<String>, Option<String>) = conn
        .prepare_cached(
            "SELECT (SELECT MIN(day) FROM timeline_days), (SELECT MAX(day) FROM timeline_days)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    // Days that are not dates (a start written by hand) leave the window to the scan.
    let (Some(Ok(first)), Some(Ok(last))) = (
        first.as_deref().map(day_start),
        last.as_deref().map(day_start),
    ) else {
        return Ok(Vec::new());
    };
    let from = counter.from.div_euclid(DAY_MS).max(first / DAY_MS);
    let to = (counter.from + counter.span)
        .div_euclid(DAY_MS)
        .min(last / DAY_MS);
    let mut runs: Vec<(String, String)> = Vec::new();
    let mut extends = false;
    for number in from..=to {
        let start = number * DAY_MS;
        let day = rfc3339_ms(start)[..10].to_string();
        let whole = day.as_str() >= query.from.as_str()
            && day_after(&day).as_str() <= query.to.as_str()
            && counter.bucket(start) == counter.bucket(start + DAY_MS - 1);
        match (whole, extends, runs.last_mut()) {
            (true, true, Some(run)) => run.1 = day,
            (true, _, _) => runs.push((day.clone(), day)),
            (false, _, _) => {}
        }
        extends = whole;
    }
    Ok(runs)
}

/// The first text that sorts after every start of `day` (`2026-12-07` → `2026-12-08`;
/// `2026-11-30` → `2026-11-31`, which no start begins with).
fn day_after(day: &str) -> String {
    let mut next = day.as_bytes().to_vec();
    if let Some(last) = next.last_mut() {
        *last += 1;
    }
    String::from_utf8(next).unwrap_or_default()
}

/// Milliseconds since the epoch of a day's midnight (UTC).
fn day_start(day: &str) -> Result<i64, HistoryError> {
    epoch_ms(&format!("{day}T00:00:00.000Z"))
        .map_err(|_| HistoryError::Corrupt(format!("timeline day {day:?}")))
}

/// The window's bakes, one by one, in start order.
pub(crate) fn read(
    conn: &Connection,
    query: &TimelineQuery,
    split: Option<&Split>,
) -> Result<Vec<TimelineBake>, HistoryError> {
    let parts: Vec<Condition> = match split {
        None => vec![scan_condition(query).and_all(&filters(query, Some(TextMatch::Like)))],
        Some(split) => {
            let bake_filters = split.filters(query);
            let mut parts: Vec<Condition> = split
                .before(query)
                .into_iter()
                .map(|part| part.and_all(&bake_filters))
                .collect();
            if query.from < query.to {
                parts.push(Split::inside(query, &query.from, &query.to).and_all(&bake_filters));
            }
            parts
        }
    };
    let lane = query.lane_by.column();
    // The newest N only: each part's newest N (backwards on the index), the newest N of them.
    let order = match query.newest_only {
        Some(n) => format!("ORDER BY started_at DESC, id DESC LIMIT {n}"),
        None => "ORDER BY started_at, id".to_string(),
    };
    let mut bakes = Vec::new();
    for part in parts {
        let mut stmt = conn.prepare_cached(&format!(
            "{BAKE_FIELDS}, {lane} FROM bakes WHERE {} {order}",
            part.sql()
        ))?;
        let rows = stmt.query_map(params_from_iter(part.values.iter()), |row| {
            Ok((bake_from_row(row)?, row.get::<_, String>(9)?))
        })?;
        for row in rows {
            let (bake, lane) = row?;
            bakes.push(TimelineBake {
                bake: bake?,
                lane,
                interrupted: false,
            });
        }
    }
    if let Some(n) = query.newest_only {
        bakes.sort_by(|a, b| {
            (&a.bake.started_at, &a.bake.id).cmp(&(&b.bake.started_at, &b.bake.id))
        });
        let extra = bakes.len().saturating_sub(n as usize);
        bakes.drain(..extra);
    }
    Ok(bakes)
}

/// Milliseconds since the epoch of an RFC 3339 time as the history writes them.
pub(crate) fn epoch_ms(at: &str) -> Result<i64, HistoryError> {
    if let Some(ms) = written_epoch_ms(at) {
        return Ok(ms);
    }
    let time = humantime::parse_rfc3339_weak(at)
        .map_err(|e| HistoryError::Corrupt(format!("time {at:?}: {e}")))?;
    Ok(match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    })
}

/// [`epoch_ms`] of the form the history writes (`2026-12-07T10:00:00.000Z`) with every
/// field in range, without humantime (a window counts thousands): `None` for any other.
fn written_epoch_ms(at: &str) -> Option<i64> {
    let b = at.as_bytes();
    if b.len() != 24 || [b[4], b[7], b[10], b[13], b[16], b[19], b[23]] != *b"--T::.Z" {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0_i64, |n, &digit| {
            digit
                .is_ascii_digit()
                .then(|| n * 10 + i64::from(digit - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if year < 1970 || day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (years counted from March).
    let shifted = if month <= 2 { year - 1 } else { year };
    let (era, of_era) = (shifted / 400, shifted % 400);
    let of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + of_era * 365 + of_era / 4 - of_era / 100 + of_year - 719_468;
    Some((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + number(20..23)?)
}

/// An RFC 3339 UTC time with milliseconds, as the history writes them.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let time = if ms >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.unsigned_abs())
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_millis(ms.unsigned_abs())
    };
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests;
