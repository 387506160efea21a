//! [`fresh_database`](crate::testing::fresh_database) is what a test calls. With
//! `DATABASE_URL` set it creates a database on that server; otherwise it starts (once per test
//! binary) a private cluster from the machine's PostgreSQL server binaries, listening on a
//! random port of 127.0.0.1 with its socket and data in a temporary directory. Without
//! binaries the tests fail, saying how to install them: a suite that silently skips its
//! Postgres half proves nothing.
//!
//! ```no_run
//! # async fn example() -> Result<(), server::testing::TestingError> {
//! let database = server::testing::fresh_database().await?;
//! let store = server::store::postgres::PostgresStore::connect(&database).await;
//! # Ok(())
//! # }
//! ```

mod cluster;

use std::ops::Deref;
use std::sync::OnceLock;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub use self::cluster::PgCluster;

/// Why a test database could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TestingError {
    /// No PostgreSQL server binaries on this machine.
    #[error(
        "no PostgreSQL server binaries (initdb, pg_ctl) under {searched}: install them with \
         `apt-get install postgresql` (or point DATABASE_URL at a server)"
    )]
    NoBinaries {
        /// Where they were looked for.
        searched: String,
    },
    /// A PostgreSQL tool failed.
    #[error("{command} failed: {output}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed (and the server log, if it had one).
        output: String,
    },
    /// Starting the shared cluster failed earlier in this test binary.
    #[error("the shared PostgreSQL cluster did not start: {0}")]
    Unavailable(String),
    /// Creating a directory, running a program.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Connecting to the server or creating the database.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A database made for one test. Derefs to its URL; dropped from the server when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    /// The URL of the server's administrative database, and this database's name.
    admin: (String, String),
}

impl TestDatabase {
    /// `postgres://…/NAME`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Deref for TestDatabase {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = self.admin.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a runtime of its own drops the database.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&admin).await?;
                // FORCE: the test's pools may still hold connections.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                Ok::<(), TestingError>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test database: {error}"),
            Err(_) => eprintln!("dropping a test database panicked"),
        }
    }
}

/// A fresh, empty database: on `DATABASE_URL`'s server if set, else on this test binary's
/// throw-away cluster.
pub async fn fresh_database() -> Result<TestDatabase, TestingError> {
    let admin = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => shared_cluster()?.admin_url(),
    };
    database_on(&admin).await
}

/// A fresh, empty database on the server `admin` (a superuser URL) names.
pub async fn database_on(admin: &str) -> Result<TestDatabase, TestingError> {
    let admin = admin.to_string();
    let name = format!("rolo_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin).await?;
    // The name is ours (letters, digits, underscores), not user input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(TestDatabase {
        url: with_database(&admin, &name),
        admin: (admin, name),
    })
}

/// The cluster every test of this binary shares, started on first use. It stops when the
/// test binary exits (see [`PgCluster`]), not before: statics are never dropped.
pub fn shared_cluster() -> Result<&'static PgCluster, TestingError> {
    static SHARED: OnceLock<Result<PgCluster, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| PgCluster::start().map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|message| TestingError::Unavailable(message.clone()))
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
