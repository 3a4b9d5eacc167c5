//! Embedded, timestamped migrations; each runs once, in its own transaction, in order.

use rusqlite::{Connection, TransactionBehavior, params};

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
    (
        "20261207000000_timeline_rollup",
        include_str!("../migrations/20261207000000_timeline_rollup.sql"),
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
        let migration_err = |source| HistoryError::Migration { version, source };
        // IMMEDIATE: the write lock first, then the check. Two processes opening a new
        // history at once (a bake and `history list`) take turns; the second finds the
        // migration applied instead of running it again.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migration_err)?;
        let applied: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
                params![version],
                |row| row.get(0),
            )
            .map_err(migration_err)?;
        if applied {
            continue;
        }
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
