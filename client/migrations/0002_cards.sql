-- Business cards scanned on this device: photos waiting to be uploaded, and the drafts the
-- server read from them with what the rep decided. Never edit this file once landed.
--
-- Neither table is part of the sync state machine, but writes that a live `rolo sync` in
-- another process must act on (a new scan to upload, a card to report done) bump
-- `device.generation` all the same: the live process reloads and reconnects, and every
-- (re)connection flushes uploads and reports first. Scans are human-paced, so the reload is
-- cheap next to a second wake-up mechanism.

-- Photos not yet accepted by the server, in the order they were taken. A row leaves when the
-- server answers with the card's draft (which moves to `card_drafts`) or the rep dismisses it.
CREATE TABLE card_uploads (
    -- The card id (a UUID, as text) drawn when the photo was taken: a retried upload of the
    -- same photos is the same card at the server.
    card TEXT PRIMARY KEY,
    -- The raw image bytes as the camera or file gave them.
    front BLOB NOT NULL,
    back BLOB,
    -- When the card was scanned (ms since the Unix epoch, UTC).
    queued_at_ms INTEGER NOT NULL,
    -- Failed attempts worth retrying (network, 5xx), and the last one's error for the rep.
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- Set when the server refused the photos for good (too large, not an image): the row stays
    -- so the rep sees the failure, but is never sent again and its photos are cleared, as no
    -- retry could use them.
    refused_code TEXT
);

-- The newest draft of each uploaded card, and the rep's decision about it.
CREATE TABLE card_drafts (
    card TEXT PRIMARY KEY,
    -- When the card was scanned, carried over from `card_uploads` (or when the first draft
    -- arrived, for a card this file never queued).
    scanned_at_ms INTEGER NOT NULL,
    -- `sync_core::card::CardDraft` as JSON, the form the HTTP API answers with.
    draft TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT 'pending'
        CHECK (resolution IN ('pending', 'saved', 'dismissed')),
    -- The contact the draft was saved as or merged into, when `saved`.
    saved_as TEXT,
    -- Whether the server was told (`POST /v1/cards/{card}/done`) so it stops re-sending the
    -- draft after every welcome.
    done_reported INTEGER NOT NULL DEFAULT 0,
    CHECK ((resolution = 'saved') = (saved_as IS NOT NULL))
);
