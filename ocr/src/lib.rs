//! Business-card reading: image preparation, barcodes, text recognition and field extraction.
//!
//! Not built yet: the business-card issue fills this crate. It will read card photos into
//! draft contacts (`sync_core::contact::Contact` with a confidence, source and box per field).
