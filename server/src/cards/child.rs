//! `rolo-server read-card`: the child process that reads one card, under limits.
//!
//! The server never decodes an uploaded image itself. A worker starts this process, writes the
//! photos to its stdin and reads the outcome from its stdout (both MessagePack). Before
//! touching a byte the process caps its own address space and CPU time, so a decoder bug or a
//! hostile file can at worst kill this process: the server sees a crash or a timeout and
//! carries on.

use std::io::{Read, Write};

use image::DynamicImage;
use image::codecs::jpeg::JpegEncoder;
use ocr::{CardReader, DecodeError};
use serde::{Deserialize, Serialize};
use sync_core::card::{BBox, Field};

/// Longest side of the card image kept with the contact: enough to read a card on a phone,
/// small enough (~150-300 KB as JPEG) to sync over a poor connection.
pub const STORED_SIDE: u32 = 1600;

/// JPEG quality of the stored card image.
const STORED_QUALITY: u8 = 82;

/// What the worker sends the child.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildInput {
    /// The photos, front first.
    pub photos: Vec<serde_bytes::ByteBuf>,
}

/// One photo, read.
#[derive(Debug, Serialize, Deserialize)]
pub struct SideRead {
    /// Fields, with boxes in the stored image's pixels.
    pub fields: Vec<Field>,
    /// The phone region the card was read in.
    pub region: Option<String>,
    /// The upright card, re-encoded as JPEG: what is stored, never the upload itself.
    pub jpeg: serde_bytes::ByteBuf,
}

/// What the child answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum ChildOutput {
    /// Every photo was read.
    Read(Vec<SideRead>),
    /// A photo can never be read; `side` is its index.
    Refused {
        /// 0 for the front, 1 for the back.
        side: usize,
        /// Stable code (`photo_corrupt`, `photo_not_image`, …).
        code: String,
        /// What is wrong, for a person.
        message: String,
    },
}

/// The child's limits, passed by the worker in the environment.
#[derive(Debug, Clone, Copy)]
pub struct ChildLimits {
    /// Address space, bytes.
    pub memory_bytes: u64,
    /// CPU seconds.
    pub cpu_seconds: u64,
}

/// The environment variables carrying [`ChildLimits`].
pub const MEMORY_ENV: &str = "ROLO_CARD_CHILD_MEMORY_BYTES";
/// See [`MEMORY_ENV`].
pub const CPU_ENV: &str = "ROLO_CARD_CHILD_CPU_SECONDS";

/// The body of `rolo-server read-card`: limits, stdin, read, stdout. Errors here mean the
/// process itself failed (the worker retries); a photo that can't be read is a
/// [`ChildOutput::Refused`].
pub fn run() -> anyhow::Result<()> {
    let limit = |name: &str| -> anyhow::Result<u64> {
        let text = std::env::var(name).map_err(|_| anyhow::anyhow!("{name} is not set"))?;
        text.parse()
            .map_err(|_| anyhow::anyhow!("{name}={text:?} is not a number"))
    };
    let limits = ChildLimits {
        memory_bytes: limit(MEMORY_ENV)?,
        cpu_seconds: limit(CPU_ENV)?,
    };
    rlimit::setrlimit(
        rlimit::Resource::AS,
        limits.memory_bytes,
        limits.memory_bytes,
    )?;
    rlimit::setrlimit(
        rlimit::Resource::CPU,
        limits.cpu_seconds,
        limits.cpu_seconds + 1,
    )?;
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let input: ChildInput = rmp_serde::from_slice(&input)?;
    let output = read_photos(&input.photos)?;
    let mut stdout = std::io::stdout().lock();
    // Named fields: `Field` skips empty ones, which positional encoding cannot express.
    stdout.write_all(&rmp_serde::to_vec_named(&output)?)?;
    stdout.flush()?;
    Ok(())
}

fn read_photos(photos: &[serde_bytes::ByteBuf]) -> anyhow::Result<ChildOutput> {
    // Decode every photo before loading the models: a bad file is refused in milliseconds.
    let mut images = Vec::with_capacity(photos.len());
    for (side, photo) in photos.iter().enumerate() {
        match ocr::decode::decode_bytes(photo) {
            Ok(image) => images.push(image),
            Err(error) => {
                let (code, message) = refusal(&error);
                return Ok(ChildOutput::Refused {
                    side,
                    code: code.into(),
                    message,
                });
            }
        }
    }
    let reader = CardReader::from_env()?;
    let mut sides = Vec::with_capacity(images.len());
    for image in images {
        let draft = reader.read_image(&image)?;
        let upright = match draft.rotation {
            90 => image.rotate90(),
            180 => image.rotate180(),
            270 => image.rotate270(),
            _ => image,
        };
        let (stored, scale) = shrink(upright);
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, STORED_QUALITY).encode_image(&stored.to_rgb8())?;
        let fields = draft
            .fields
            .into_iter()
            .map(|mut field| {
                field.bbox = field.bbox.map(|bbox| scaled(bbox, scale));
                field
            })
            .collect();
        sides.push(SideRead {
            fields,
            region: draft.region,
            jpeg: serde_bytes::ByteBuf::from(jpeg),
        });
    }
    Ok(ChildOutput::Read(sides))
}

/// The stable code and message for a photo the decoder refused.
pub fn refusal(error: &DecodeError) -> (&'static str, String) {
    let code = match error {
        DecodeError::FileTooLarge { .. } => "photo_too_large",
        DecodeError::Empty | DecodeError::NotAnImage => "photo_not_image",
        DecodeError::TooManyPixels { .. } | DecodeError::TooMuchMemory { .. } => {
            "photo_too_many_pixels"
        }
        DecodeError::Corrupt { .. } | DecodeError::Io(_) => "photo_corrupt",
    };
    (code, error.to_string())
}

/// The image no larger than [`STORED_SIDE`], and the factor it was scaled by.
fn shrink(image: DynamicImage) -> (DynamicImage, f32) {
    let longest = image.width().max(image.height());
    if longest <= STORED_SIDE {
        return (image, 1.0);
    }
    let scale = STORED_SIDE as f32 / longest as f32;
    let resized = image.resize(
        STORED_SIDE,
        STORED_SIDE,
        image::imageops::FilterType::Triangle,
    );
    (resized, scale)
}

fn scaled(bbox: BBox, scale: f32) -> BBox {
    let at = |value: u32| (value as f32 * scale).round() as u32;
    BBox {
        x: at(bbox.x),
        y: at(bbox.y),
        width: at(bbox.width).max(1),
        height: at(bbox.height).max(1),
    }
}
