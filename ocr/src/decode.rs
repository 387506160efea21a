//! Turning uploaded bytes into an upright image, refusing anything that could exhaust memory.
//!
//! Every limit is checked before the costly step it protects: the file size before the file is
//! read, the declared dimensions (from the header) before any pixel is decoded, and the
//! decoder's allocations against [`MAX_ALLOC_BYTES`] while it decodes. A 30 MB upload or a
//! 100,000 × 100,000 PNG whose header alone is a few dozen bytes is refused in microseconds.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use image::error::ImageError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest photo file accepted. Phone cameras produce 2-8 MB JPEGs; 20 MB leaves room for
/// high-resolution PNG scans without letting one upload pin a worker's memory.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// Largest width or height accepted, in pixels. A 200-megapixel phone sensor is 16,320 ×
/// 12,240; cards need far less, and 12,000 keeps the worst case inside [`MAX_ALLOC_BYTES`].
pub const MAX_SIDE_PIXELS: u32 = 12_000;

/// Most memory the decoder may allocate for one image: a 64-megapixel RGBA photo.
pub const MAX_ALLOC_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file could not be turned into an image.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file is over [`MAX_FILE_BYTES`].
    #[error("the file is {bytes} bytes; a card photo may be at most {max} bytes")]
    FileTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// The file holds nothing.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not in an image format Rolo reads.
    #[error("not an image Rolo reads (JPEG, PNG, GIF or WebP expected)")]
    NotAnImage,
    /// The header declares more pixels than [`MAX_SIDE_PIXELS`] allows.
    #[error("the image declares {width} × {height} pixels; at most {max} pixels a side are read")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit on either side.
        max: u32,
    },
    /// Decoding would allocate more than [`MAX_ALLOC_BYTES`].
    #[error("the image needs more than {max} bytes of memory to decode")]
    TooMuchMemory {
        /// The limit.
        max: u64,
    },
    /// The format was recognised but the data is damaged or truncated.
    #[error("the {format} image is corrupt or truncated: {reason}")]
    Corrupt {
        /// The format the header announced.
        format: String,
        /// What the decoder reported.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

/// The limits every decode runs under.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PIXELS);
    limits.max_image_height = Some(MAX_SIDE_PIXELS);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    limits
}

/// Reads and decodes the photo at `path`, checking its size before reading it.
pub fn decode_file(path: &Path) -> Result<DynamicImage, DecodeError> {
    let file = File::open(path)?;
    let bytes = file.metadata()?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(DecodeError::FileTooLarge {
            bytes,
            max: MAX_FILE_BYTES,
        });
    }
    // `take` guards against a file that grows between the size check and the read.
    let mut data = Vec::with_capacity(bytes as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut data)?;
    decode_bytes(&data)
}

/// Decodes a photo held in memory and turns it upright by its EXIF orientation.
pub fn decode_bytes(data: &[u8]) -> Result<DynamicImage, DecodeError> {
    let (mut decoder, format) = checked_decoder(data)?;
    let name = format_name(format);
    let corrupt = |error: ImageError| classify(error, &name);
    decoder.set_limits(limits()).map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// What an image's header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The format, one of those Rolo reads.
    pub format: ImageFormat,
    /// Declared width in pixels.
    pub width: u32,
    /// Declared height in pixels.
    pub height: u32,
}

/// Checks everything [`decode_bytes`] checks before decoding pixels (size, format, declared
/// dimensions, memory needed), reading only the header: cheap enough for the server to run
/// on an upload before storing it. Damaged pixel data is found only by decoding.
pub fn check_header(data: &[u8]) -> Result<Header, DecodeError> {
    let (decoder, format) = checked_decoder(data)?;
    let (width, height) = decoder.dimensions();
    Ok(Header {
        format,
        width,
        height,
    })
}

/// The format's name in error messages.
fn format_name(format: ImageFormat) -> String {
    format!("{format:?}").to_uppercase()
}

/// A decoder that has read the header and passed every check made before pixels are
/// decoded, with its format.
fn checked_decoder(data: &[u8]) -> Result<(impl ImageDecoder + '_, ImageFormat), DecodeError> {
    let bytes = data.len() as u64;
    if bytes > MAX_FILE_BYTES {
        return Err(DecodeError::FileTooLarge {
            bytes,
            max: MAX_FILE_BYTES,
        });
    }
    if data.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut reader = ImageReader::new(Cursor::new(data)).with_guessed_format()?;
    let format = match reader.format() {
        Some(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP),
        ) => format,
        _ => return Err(DecodeError::NotAnImage),
    };
    // The side limits are checked by hand below so the error can name the declared size; the
    // allocation limit holds from the first byte.
    let mut header_limits = limits();
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    reader.limits(header_limits);
    // The decoder reads only the header here, before any pixel data is touched.
    let decoder = reader
        .into_decoder()
        .map_err(|error| classify(error, &format_name(format)))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE_PIXELS || height > MAX_SIDE_PIXELS {
        return Err(DecodeError::TooManyPixels {
            width,
            height,
            max: MAX_SIDE_PIXELS,
        });
    }
    // The decoder allocates the whole output buffer up front, and not every format's decoder
    // checks that allocation against the limits; it is checked here.
    if decoder.total_bytes() > MAX_ALLOC_BYTES {
        return Err(DecodeError::TooMuchMemory {
            max: MAX_ALLOC_BYTES,
        });
    }
    Ok((decoder, format))
}

/// Maps the image crate's error to what a person needs to hear.
fn classify(error: ImageError, format: &str) -> DecodeError {
    match error {
        // Sides are checked before the limits are set, so a limit hit here is memory.
        ImageError::Limits(_) => DecodeError::TooMuchMemory {
            max: MAX_ALLOC_BYTES,
        },
        ImageError::IoError(error) => DecodeError::Corrupt {
            format: format.to_string(),
            reason: error.to_string(),
        },
        other => DecodeError::Corrupt {
            format: format.to_string(),
            reason: other.to_string(),
        },
    }
}
