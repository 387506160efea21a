//! Several statements sent to SQLite in one call.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, so every statement is a
//! round trip between threads: two context switches, which cost more than the statement
//! itself when a push writes five small rows. A commit's writes are gathered here into one
//! script and sent together. The statements share one list of bound values: sqlx gives each
//! statement's anonymous `?` parameters the next values in turn. (Numbered `?N` parameters
//! would not do: sqlx stops binding a later statement's numbered parameters once its count of
//! anonymous ones runs past the list.)

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, SqliteConnection};

use crate::store::StoreError;

/// Bound values per script, well under SQLite's limit of 32,766 per statement text; a
/// larger commit is sent as several scripts.
const MAX_SCRIPT_VALUES: usize = 4_000;

/// Statements to run in order, in as few calls as the number of their values allows.
#[derive(Default)]
pub(super) struct Script {
    sql: String,
    values: SqliteArguments,
}

/// The values of one statement, bound in the order its `?` appear.
pub(super) struct Values<'a> {
    values: &'a mut SqliteArguments,
    result: Result<(), sqlx::error::BoxDynError>,
}

impl Values<'_> {
    /// Bind the next `?`.
    pub(super) fn bind<'q, T>(&mut self, value: T) -> &mut Self
    where
        T: sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        if self.result.is_ok() {
            self.result = self.values.add(value);
        }
        self
    }
}

impl Script {
    /// Add `statement` (its parameters written `?`, never numbered) with the values `bind` gives it; runs
    /// what is gathered first when the script would grow too large.
    pub(super) async fn add(
        &mut self,
        conn: &mut SqliteConnection,
        statement: &str,
        bind: impl FnOnce(&mut Values<'_>),
    ) -> Result<(), StoreError> {
        if self.values.len() >= MAX_SCRIPT_VALUES {
            self.run(conn).await?;
        }
        let first = self.values.len();
        self.sql.push_str(statement);
        self.sql.push_str(";\n");
        let mut values = Values {
            values: &mut self.values,
            result: Ok(()),
        };
        bind(&mut values);
        values.result.map_err(sqlx::Error::Encode)?;
        // SQLite would quietly bind NULL to a parameter left without a value.
        debug_assert_eq!(
            self.values.len() - first,
            statement.matches('?').count(),
            "values bound for: {statement}"
        );
        Ok(())
    }

    /// Run every statement gathered so far, in order, in one call.
    pub(super) async fn run(&mut self, conn: &mut SqliteConnection) -> Result<(), StoreError> {
        if self.sql.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.sql);
        let values = std::mem::take(&mut self.values);
        sqlx::query_with(AssertSqlSafe(sql), values)
            .execute(conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;

    #[tokio::test]
    async fn a_long_script_runs_in_parts_with_each_row_given_its_own_values() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE pairs (left_value INTEGER NOT NULL, right_value TEXT NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut script = Script::default();
        // Three times the values one script holds, so it is sent in parts.
        let rows = MAX_SCRIPT_VALUES * 3 / 2;
        for row in 0..rows {
            let number = i64::try_from(row).unwrap();
            script
                .add(
                    &mut conn,
                    "INSERT INTO pairs (left_value, right_value) VALUES (?, ?)",
                    |values| {
                        values.bind(number).bind(format!("row {row}"));
                    },
                )
                .await
                .unwrap();
        }
        script.run(&mut conn).await.unwrap();
        let stored: Vec<(i64, String)> =
            sqlx::query_as("SELECT left_value, right_value FROM pairs ORDER BY rowid")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(stored.len(), rows);
        for (row, (left, right)) in stored.into_iter().enumerate() {
            assert_eq!(left, i64::try_from(row).unwrap());
            assert_eq!(right, format!("row {row}"));
        }
    }
}
