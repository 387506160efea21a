//! Business-card reading: from a photo to a draft contact for a person to review.
//!
//! A card is read in one pass that never needs the network:
//!
//! 1. [`decode`]: the upload is decoded under explicit limits (file size, declared pixel
//!    count, decoder memory), so a decompression bomb or a non-image fails in microseconds
//!    with an error that says what is wrong, and the EXIF orientation is applied.
//! 2. [`barcode`]: a QR code is looked for on the full-resolution photo; a vCard, MECARD or
//!    BIZCARD payload ([`payload`]) gives exact fields (source `qr`, confidence 1).
//! 3. [`outline`]: the card is found in the photo (the largest region unlike the table the
//!    photo's border shows, reduced to its largest inscribed quadrilateral) and straightened
//!    by a homography ([`geometry`]), which undoes tilt and perspective; quarter turns are
//!    left to the next step. A card the frame cuts off, or whose text runs over the outline
//!    found, is read from the photo as it is (closer, when it is far from the camera).
//! 4. [`ppocr`]: PP-OCR's ONNX networks, run in pure Rust by tract, find the text lines
//!    (DB detection), decide which way up the card is (line shape, then the 0°/180°
//!    classifier's vote) and read each line (CTC recognition with the model's own
//!    18,708-character dictionary: Latin, Japanese, Chinese). [`geometry`] holds the plane
//!    geometry OpenCV would otherwise provide.
//! 5. [`tesseract`]: lines PP-OCR is unsure of or read with their letters missing (Korean and
//!    Cyrillic, which its dictionary lacks) are read again by the Tesseract program; when
//!    that shows the card is Korean, Russian or Ukrainian, PP-OCR's look-alike readings of
//!    its other lines (`Ten.` for `Тел.`) are read again in that language.
//! 6. [`extract`]: lines become fields — emails and URLs that survive OCR spacing and labels
//!    glued before them (`Web:http://…`, `Website:www.…`, `URL :https//…` with its colon
//!    lost, `http: //` spaced apart), phones by their labels (printed in any of the card's
//!    languages, an icon, or the layout: an unlabelled number after the office number and one
//!    above it is its fax) in E.164 with a region inferred from the card — and every
//!    phone-shaped number that does not validate kept as printed, with a low confidence and
//!    the reason (Vietnam's numbers from before 2018 with what they became, including the old
//!    `(08)` landlines of Ho Chi Minh City that the new plan would read as mobiles), for the
//!    rep to fix at review, never dropped and never stored unchecked —, addresses (printed text,
//!    and split into street, city, region and postal code for US / UK / continental,
//!    Japanese, Chinese, Korean and Russian / Ukrainian layouts), social handles, then the
//!    name (split by script and by how the card prints it: family first for CJK and
//!    Vietnamese — a Vietnamese card's contact is saved with the language `vi`, so a name
//!    read without its marks keeps that order —, a surname printed first in capitals kept
//!    so), titles (one broken over two
//!    lines joined, two titles both kept, a katakana title never taken for the reading),
//!    department, and the company, weighed by what a company line looks like (a legal form,
//!    an acronym that abbreviates it, a brand word it holds, the email's domain) before text
//!    height, with a confidence that falls when the choice was close — each with a
//!    confidence, its source and its box on the upright photo ([`draft`]).
//!
//! Measured by `cargo bench -p ocr --bench cards` on the 54 fixture cards (release, 2 cores,
//! otherwise quiet): p50 1.09 s, p95 1.40 s; at a phone's full 4032 × 3024, p50 1.24 s (1.44 s
//! and 1.98 s with five other builds sharing the cores; 1.51-1.69 s at a load average of
//! 1.2-2.8 from another engineer's builds); recall: company 1.00 (precision 1.00), url 1.00,
//! phone 1.00 (numbers that do not validate: 1.00 kept as printed), name 1.00 (the horn OCR
//! drops from Vietnamese `ươ` put back), email 0.98, title 0.98.
//!
//! [`CardReader`] runs all of it, `rolo-card read PHOTO…` prints its drafts as one JSON array
//! (`--jsonl`: one per line), each with the full name as the contact list will show it
//! ([`Draft::full_name`], sync-core's display rule), and
//! [`evaluate`] scores drafts against the fixture cards for the tests and the `cards`
//! benchmark. The models are not in the repository: `ocr/fetch-models.sh` takes them,
//! checksummed, from the `rapidocr` wheel on PyPI into `ocr/models/` (or `$ROLO_OCR_MODELS`).
//! Everything but the networks is plain code that the tests drive without them:
//!
//! ```
//! use ocr::draft::{BBox, Engine, FieldKind, TextLine};
//! use ocr::extract::extract;
//!
//! let line = |text: &str, y: u32, height: u32| TextLine {
//!     text: text.into(),
//!     confidence: 0.95,
//!     bbox: BBox { x: 40, y, width: 400, height },
//!     engine: Engine::PpOcr,
//! };
//! let found = extract(&[
//!     line("Yamata Keiki Co., Ltd.", 20, 30),
//!     line("Shin Takeuchi", 80, 44),
//!     line("TEL03-1234-5678", 200, 20),
//!     line("s. takeuchi @ yamatakei. co. jp", 230, 20),
//!     line("〒100-0005 東京都千代田区丸の内1-2-3", 260, 20),
//! ]);
//! let value = |kind| found.fields.iter().find(|f| f.kind == kind).map(|f| f.value.as_str());
//! assert_eq!(value(FieldKind::FamilyName), Some("Takeuchi"));
//! assert_eq!(value(FieldKind::Company), Some("Yamata Keiki Co., Ltd."));
//! assert_eq!(value(FieldKind::Email), Some("s.takeuchi@yamatakei.co.jp"));
//! assert_eq!(value(FieldKind::Phone), Some("+81312345678"));
//! assert_eq!(value(FieldKind::PostalCode), Some("100-0005"));
//! assert_eq!(value(FieldKind::City), Some("千代田区"));
//! ```

pub mod barcode;
pub mod decode;
pub mod draft;
pub mod evaluate;
pub mod extract;
pub mod geometry;
pub mod outline;
pub mod payload;
pub mod ppocr;
mod reader;
pub mod script;
pub mod tesseract;

pub use self::decode::DecodeError;
pub use self::draft::Draft;
pub use self::reader::{CardReader, ReadError};
