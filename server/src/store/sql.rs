//! What the SQLite and Postgres stores share, so the two differ only in their SQL: how values
//! map to columns, the cache of hot documents, what a write changes and how a feed page is
//! read.

pub(crate) mod cache;
pub(crate) mod codec;
pub(crate) mod feed_pages;
pub(crate) mod plan;
