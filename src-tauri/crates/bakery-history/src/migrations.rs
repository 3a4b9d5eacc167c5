//! Embedded, timestamped migrations; each runs once, in its own transaction, in order.

use rusqlite::{Connection, params};

use crate::HistoryError;

/// (version, SQL). Append only; never edit a released migration.
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261126000000_bakes_and_ledger",
        include_str!("../migrations/20261126000000_bakes_and_ledger.sql"),
    ),
    (
        "20261203000000_timeline",
        include_str!("../migrations/20261203000000_timeline.sql"),
    ),
];

/// Runs the migrations not yet applied, each in its own transaction.
pub fn run(conn: &mut Connection) -> Result<(), HistoryError> {
    run_these(conn, MIGRATIONS)
}

/// Runs the given migrations not yet applied (the tests start from an older schema).
pub(crate) fn run_these(
    conn: &mut Connection,
    migrations: &[(&'static str, &'static str)],
) -> Result<(), HistoryError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )?;
    for &(version, sql) in migrations {
        let applied: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            params![version],
            |row| row.get(0),
        )?;
        if applied {
            continue;
        }
        let migration_err = |source| HistoryError::Migration { version, source };
        let tx = conn.transaction().map_err(migration_err)?;
        tx.execute_batch(sql).map_err(migration_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            params![version],
        )
        .map_err(migration_err)?;
        tx.commit().map_err(migration_err)?;
    }
    Ok(())
}
