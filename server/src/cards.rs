//! Business-card scanning on the server: upload, the job, the child process, the draft.
//!
//! A device uploads one or two photos of a card (`PUT /v1/cards/{card}`, see
//! [`crate::http::cards`]); the photos' headers are checked at once (type, size, declared
//! pixels) so a 30 MB file or a 100,000 × 100,000 PNG is refused before it is stored. The
//! card is then a queued job. [`worker`]s claim jobs with a lease and read each card in a
//! child process ([`child`], `rolo-server read-card`) that caps its own memory and CPU time,
//! so a hostile image can kill at most that process. What it reads, the re-encoded photos
//! (stored as blobs by hash) and the contacts that look like duplicates become the card's
//! draft, which is sent to the scanning device over its sync socket. The rep reviews it on the
//! device and saves it as an ordinary contact edit, which syncs like any other.

pub mod child;
pub mod worker;
