//! Postgres store (in progress).
