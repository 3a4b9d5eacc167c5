//! Embedded, timestamped migrations; each runs once, in its own transaction, in order.

use rusqlite::{Connection, params};

use crate::HistoryError;

/// (version, SQL). Append only; never edit a released migration.
const MIGRATIONS: &[(&str, &str)] = &[(
    "20261126000000_bakes_and_ledger",
    include_str!("../migrations/20261126000000_bakes_and_ledger.sql"),
)];

/// Runs the migrations not yet applied, each in its own transaction.
pub fn run(conn: &mut Connection) -> Result<(), HistoryError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )?;
    for &(version, sql) in MIGRATIONS {
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
