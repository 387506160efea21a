//! A check of a MessagePack value's shape before serde sees it.
//!
//! Serde's internally tagged enums (every [`Frame`](super::Frame) is one) first buffer the
//! whole map into a tree of `Content` values, recursively: a frame of a few megabytes made of
//! deeply nested arrays would overflow a worker's stack, and one made of a million one-byte
//! values would take ~40 bytes of memory per byte received. So before decoding, this walker
//! steps over the value once, without recursion and without allocating more than one counter
//! per level, and refuses values nested deeper than [`MAX_DEPTH`] or made of more than
//! [`MAX_VALUES`] values. No frame of this protocol comes near either bound.

/// Deepest nesting a frame may have. The deepest frame of the protocol (a feed page's grant
/// of a contact visible to listed members, or a card draft's field boxes) nests 6 levels.
pub const MAX_DEPTH: usize = 16;

/// Most MessagePack values (scalars and containers) one frame may hold. A full push of 1,000
/// contacts with a hundred changes each is about 200,000; a feed page of 1 MiB holds far
/// fewer, since each item carries at least one change of tens of bytes.
pub const MAX_VALUES: usize = 262_144;

/// Past the first [`FREE_VALUES`], a frame may hold at most one value per this many bytes.
/// Serde buffers every value at a few dozen bytes however small it was on the wire, so this
/// is what bounds the memory a decode takes to a small multiple of the frame's size. The
/// densest frames of the protocol (a feed page of `revoke` items, an `ack`) spend about six
/// bytes a value; a frame of a million nils spends one.
pub const BYTES_PER_VALUE: usize = 4;

/// Values any frame may hold whatever its size: small frames are never refused for density.
pub const FREE_VALUES: usize = 4096;

/// Why a value's shape was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeError {
    /// The bytes end inside a value.
    Truncated {
        /// Where the value that ends early starts.
        at: usize,
    },
    /// A byte that starts no MessagePack value (0xc1).
    BadMarker {
        /// Where it is.
        at: usize,
    },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Where the container over the bound starts.
        at: usize,
    },
    /// More values than [`MAX_VALUES`], or than one per [`BYTES_PER_VALUE`] bytes past the
    /// first [`FREE_VALUES`].
    TooManyValues,
    /// A container claims more elements than there are bytes left to hold them.
    LengthBeyondEnd {
        /// Where the container starts.
        at: usize,
    },
    /// Bytes after the end of the value.
    Trailing {
        /// How many.
        bytes: usize,
    },
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeError::Truncated { at } => write!(f, "the value at byte {at} is cut short"),
            ShapeError::BadMarker { at } => write!(f, "byte {at} starts no MessagePack value"),
            ShapeError::TooDeep { at } => {
                write!(f, "nested deeper than {MAX_DEPTH} levels at byte {at}")
            }
            ShapeError::TooManyValues => write!(
                f,
                "more values than the frame's size allows (at most {MAX_VALUES}, and one per {BYTES_PER_VALUE} bytes past the first {FREE_VALUES})"
            ),
            ShapeError::LengthBeyondEnd { at } => write!(
                f,
                "the container at byte {at} claims more elements than the frame holds"
            ),
            ShapeError::Trailing { bytes } => {
                write!(f, "{bytes} bytes after the end of the frame")
            }
        }
    }
}

/// What one marker byte says follows it.
enum Next {
    /// A scalar whose payload is `skip` bytes after `header` bytes of length.
    Scalar { header: usize, skip: usize },
    /// A string, binary or extension whose length is in the next `width` bytes, followed by
    /// `extra` bytes (the extension type) before the payload.
    Sized { width: usize, extra: usize },
    /// A container of `count` values, whose count (if not in the marker) is in the next
    /// `width` bytes; maps count two values per entry.
    Container { width: usize, count: u64, map: bool },
}

fn next(marker: u8) -> Option<Next> {
    use Next::*;
    Some(match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => Scalar { header: 0, skip: 0 },
        0x80..=0x8f => Container {
            width: 0,
            count: u64::from(marker & 0x0f),
            map: true,
        },
        0x90..=0x9f => Container {
            width: 0,
            count: u64::from(marker & 0x0f),
            map: false,
        },
        0xa0..=0xbf => Scalar {
            header: 0,
            skip: usize::from(marker & 0x1f),
        },
        0xc1 => return None,
        0xc4 | 0xd9 => Sized { width: 1, extra: 0 },
        0xc5 | 0xda => Sized { width: 2, extra: 0 },
        0xc6 | 0xdb => Sized { width: 4, extra: 0 },
        0xc7 => Sized { width: 1, extra: 1 },
        0xc8 => Sized { width: 2, extra: 1 },
        0xc9 => Sized { width: 4, extra: 1 },
        0xca => Scalar { header: 0, skip: 4 },
        0xcb => Scalar { header: 0, skip: 8 },
        0xcc | 0xd0 => Scalar { header: 0, skip: 1 },
        0xcd | 0xd1 => Scalar { header: 0, skip: 2 },
        0xce | 0xd2 => Scalar { header: 0, skip: 4 },
        0xcf | 0xd3 => Scalar { header: 0, skip: 8 },
        0xd4 => Scalar { header: 1, skip: 1 },
        0xd5 => Scalar { header: 1, skip: 2 },
        0xd6 => Scalar { header: 1, skip: 4 },
        0xd7 => Scalar { header: 1, skip: 8 },
        0xd8 => Scalar {
            header: 1,
            skip: 16,
        },
        0xdc => Container {
            width: 2,
            count: 0,
            map: false,
        },
        0xdd => Container {
            width: 4,
            count: 0,
            map: false,
        },
        0xde => Container {
            width: 2,
            count: 0,
            map: true,
        },
        0xdf => Container {
            width: 4,
            count: 0,
            map: true,
        },
    })
}

/// Check that `bytes` hold exactly one MessagePack value within the bounds.
pub fn check(bytes: &[u8]) -> Result<(), ShapeError> {
    let mut position = 0usize;
    let mut values = 0usize;
    let most_values = MAX_VALUES.min(FREE_VALUES + bytes.len() / BYTES_PER_VALUE);
    // Values still to read at each open level; the root is one value.
    let mut pending: Vec<u64> = Vec::with_capacity(MAX_DEPTH);
    pending.push(1);
    while let Some(left) = pending.last_mut() {
        if *left == 0 {
            pending.pop();
            continue;
        }
        *left -= 1;
        let at = position;
        values += 1;
        if values > most_values {
            return Err(ShapeError::TooManyValues);
        }
        let marker = *bytes.get(at).ok_or(ShapeError::Truncated { at })?;
        position += 1;
        let read_length = |position: &mut usize, width: usize| -> Result<u64, ShapeError> {
            let field = bytes
                .get(*position..*position + width)
                .ok_or(ShapeError::Truncated { at })?;
            *position += width;
            Ok(field
                .iter()
                .fold(0u64, |length, byte| (length << 8) | u64::from(*byte)))
        };
        match next(marker).ok_or(ShapeError::BadMarker { at })? {
            Next::Scalar { header, skip } => position += header + skip,
            Next::Sized { width, extra } => {
                let length = read_length(&mut position, width)?;
                position = position
                    .saturating_add(extra)
                    .saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
            }
            Next::Container { width, count, map } => {
                let count = if width == 0 {
                    count
                } else {
                    read_length(&mut position, width)?
                };
                let count = if map { count * 2 } else { count };
                // Every value takes at least one byte: a count beyond the bytes left is a
                // lie, refused before anything is reserved for it.
                if count > (bytes.len() - position.min(bytes.len())) as u64 {
                    return Err(ShapeError::LengthBeyondEnd { at });
                }
                if count > 0 {
                    if pending.len() > MAX_DEPTH {
                        return Err(ShapeError::TooDeep { at });
                    }
                    pending.push(count);
                }
            }
        }
        if position > bytes.len() {
            return Err(ShapeError::Truncated { at });
        }
    }
    match bytes.len() - position {
        0 => Ok(()),
        trailing => Err(ShapeError::Trailing { bytes: trailing }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_is_stepped_over() {
        // {"a": [1, -1, nil, true, 1.5, "xy", bin(2), 300, ext8, fixext1]}
        let bytes = [
            0x81, 0xa1, b'a', 0x9a, 0x01, 0xff, 0xc0, 0xc3, 0xcb, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
            0xa2, b'x', b'y', 0xc4, 2, 9, 9, 0xcd, 1, 0x2c, 0xc7, 1, 5, 0, 0xd4, 1, 2,
        ];
        assert_eq!(check(&bytes), Ok(()));
        assert_eq!(
            check(&bytes[..bytes.len() - 1]),
            Err(ShapeError::Truncated { at: 31 })
        );
    }

    #[test]
    fn nesting_past_the_bound_is_refused_without_recursion() {
        let mut deep = vec![0x91; 100_000];
        deep.push(0xc0);
        assert!(matches!(check(&deep), Err(ShapeError::TooDeep { .. })));
        let mut fine = vec![0x91; MAX_DEPTH];
        fine.push(0xc0);
        assert_eq!(check(&fine), Ok(()));
    }

    #[test]
    fn a_million_small_values_are_refused() {
        let mut many = vec![0xdd, 0x00, 0x10, 0x00, 0x00];
        many.extend(std::iter::repeat_n(0xc0, 0x0010_0000));
        assert_eq!(check(&many), Err(ShapeError::TooManyValues));
    }

    #[test]
    fn density_is_bounded_past_the_free_values() {
        let nils = |count: usize| {
            let mut frame = vec![0xdd];
            frame.extend((count as u32).to_be_bytes());
            frame.extend(std::iter::repeat_n(0xc0, count));
            frame
        };
        assert_eq!(check(&nils(FREE_VALUES)), Ok(()));
        assert_eq!(check(&nils(20_000)), Err(ShapeError::TooManyValues));
        // The same values with enough bytes around them (a long string) pass.
        let mut padded = vec![0x92];
        padded.extend(nils(20_000));
        padded.extend([0xdb, 0x00, 0x01, 0x00, 0x00]);
        padded.extend(std::iter::repeat_n(b'x', 0x0001_0000));
        assert_eq!(check(&padded), Ok(()));
    }

    #[test]
    fn a_lying_length_is_refused_at_once() {
        assert_eq!(
            check(&[0xdf, 0xff, 0xff, 0xff, 0xff]),
            Err(ShapeError::LengthBeyondEnd { at: 0 })
        );
        assert_eq!(
            check(&[0xc6, 0xff, 0xff, 0xff, 0xff, 1]),
            Err(ShapeError::Truncated { at: 0 })
        );
    }

    #[test]
    fn bad_markers_and_trailing_bytes_are_named() {
        assert_eq!(check(&[0x91, 0xc1]), Err(ShapeError::BadMarker { at: 1 }));
        assert_eq!(check(&[0xc0, 0xc0]), Err(ShapeError::Trailing { bytes: 1 }));
    }
}
