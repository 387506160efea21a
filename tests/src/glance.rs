//! Glancing at a `feed` frame: which contacts its items name and how many changes each
//! carries, read straight off the MessagePack bytes.
//!
//! A benchmark holding a thousand listening phones in one process reads a third of a million
//! pages a second. Decoding each through serde (internally tagged enums buffer the whole
//! frame before choosing a variant, and every tag becomes a `String`) cost a fifth of that
//! process's CPU, taken from the cores the server being measured runs on. This walker
//! allocates only the list it returns. (A real phone decodes on its own CPU.)

use anyhow::{Context, bail};
use sync_core::ids::ContactId;
use sync_core::wire::MAX_FRAME_BYTES;

/// One feed item, glanced at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemGlance {
    /// The contact.
    pub doc: ContactId,
    /// The changes a `changes` item carries (0 for other kinds).
    pub changes: usize,
    /// A `grant`: the whole contact, as a snapshot.
    pub grant: bool,
}

/// The contacts a `feed` frame's items name, each with the number of changes it carries, or
/// `None` if `bytes` is another kind of frame.
pub fn feed_docs(bytes: &[u8]) -> anyhow::Result<Option<Vec<ItemGlance>>> {
    let mut reader = Reader { bytes, at: 0 };
    let mut kind: Option<&[u8]> = None;
    let mut items = None;
    let mut deflated = None;
    for _ in 0..reader.map_len()? {
        match reader.str()? {
            b"t" => kind = Some(reader.str()?),
            b"items" => items = Some(glance_items(&mut reader)?),
            b"frame" => deflated = Some(reader.bin()?),
            _ => reader.skip()?,
        }
    }
    match (kind, items, deflated) {
        (Some(b"feed"), items, _) => Ok(Some(items.unwrap_or_default())),
        (Some(b"deflated"), _, Some(compressed)) => {
            use std::io::Read;
            let mut plain = Vec::new();
            flate2::read::DeflateDecoder::new(compressed)
                .take(MAX_FRAME_BYTES as u64)
                .read_to_end(&mut plain)?;
            feed_docs(&plain)
        }
        (Some(_), _, _) => Ok(None),
        (None, _, _) => bail!("a frame without its `t` tag"),
    }
}

fn glance_items(reader: &mut Reader<'_>) -> anyhow::Result<Vec<ItemGlance>> {
    let count = reader.array_len()?;
    let mut items = Vec::with_capacity(count.min(4096));
    for index in 0..count {
        let (mut doc, mut changes, mut grant) = (None, 0, false);
        for _ in 0..reader.map_len()? {
            match reader.str()? {
                b"t" => grant = reader.str()? == b"grant",
                b"doc" => {
                    let bytes = reader.bin()?;
                    let bytes: [u8; 16] = bytes.try_into().with_context(|| {
                        format!("item {index}: a doc id of {} bytes", bytes.len())
                    })?;
                    doc = Some(ContactId::from_bytes(bytes));
                }
                b"changes" => {
                    changes = reader.array_len()?;
                    for _ in 0..changes {
                        reader.skip()?;
                    }
                }
                _ => reader.skip()?,
            }
        }
        let doc = doc.with_context(|| format!("item {index} names no contact"))?;
        items.push(ItemGlance {
            doc,
            changes,
            grant,
        });
    }
    Ok(items)
}

/// A cursor over MessagePack bytes that reads headers and skips values.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> anyhow::Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .with_context(|| format!("the frame ends inside a value at byte {}", self.at))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn byte(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian length of `width` bytes.
    fn length(&mut self, width: usize) -> anyhow::Result<usize> {
        let bytes = self.take(width)?;
        Ok(bytes
            .iter()
            .fold(0usize, |length, byte| (length << 8) | usize::from(*byte)))
    }

    fn map_len(&mut self) -> anyhow::Result<usize> {
        self.container_len("a map", 0x80, [0xde, 0xdf])
    }

    fn array_len(&mut self) -> anyhow::Result<usize> {
        self.container_len("an array", 0x90, [0xdc, 0xdd])
    }

    /// The length of a container whose short form is `fixed` plus up to 15, and whose long
    /// forms (16- and 32-bit lengths) are `long`.
    fn container_len(&mut self, what: &str, fixed: u8, long: [u8; 2]) -> anyhow::Result<usize> {
        let at = self.at;
        match self.byte()? {
            marker if marker & 0xf0 == fixed => Ok(usize::from(marker & 0x0f)),
            marker if marker == long[0] => self.length(2),
            marker if marker == long[1] => self.length(4),
            marker => bail!("expected {what} at byte {at}, found marker {marker:#04x}"),
        }
    }

    fn str(&mut self) -> anyhow::Result<&'a [u8]> {
        let at = self.at;
        let length = match self.byte()? {
            marker @ 0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9 => self.length(1)?,
            0xda => self.length(2)?,
            0xdb => self.length(4)?,
            marker => bail!("expected a string at byte {at}, found marker {marker:#04x}"),
        };
        self.take(length)
    }

    fn bin(&mut self) -> anyhow::Result<&'a [u8]> {
        let at = self.at;
        let length = match self.byte()? {
            0xc4 => self.length(1)?,
            0xc5 => self.length(2)?,
            0xc6 => self.length(4)?,
            marker => bail!("expected bytes at byte {at}, found marker {marker:#04x}"),
        };
        self.take(length)
    }

    /// Step over one value of any kind, containers included.
    fn skip(&mut self) -> anyhow::Result<()> {
        // Values still to step over: a container adds its elements instead of recursing, so
        // a hostile nesting depth cannot overflow the stack.
        let mut pending = 1usize;
        while pending > 0 {
            pending -= 1;
            let marker = self.byte()?;
            let (skip_bytes, elements) = match marker {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
                0x80..=0x8f => (0, 2 * usize::from(marker & 0x0f)),
                0x90..=0x9f => (0, usize::from(marker & 0x0f)),
                0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
                0xc4 | 0xd9 => (self.length(1)?, 0),
                0xc5 | 0xda => (self.length(2)?, 0),
                0xc6 | 0xdb => (self.length(4)?, 0),
                0xc7 => (self.length(1)? + 1, 0),
                0xc8 => (self.length(2)? + 1, 0),
                0xc9 => (self.length(4)? + 1, 0),
                0xcc | 0xd0 => (1, 0),
                0xcd | 0xd1 => (2, 0),
                0xca | 0xce | 0xd2 => (4, 0),
                0xcb | 0xcf | 0xd3 => (8, 0),
                0xd4 => (2, 0),
                0xd5 => (3, 0),
                0xd6 => (5, 0),
                0xd7 => (9, 0),
                0xd8 => (17, 0),
                0xdc => (0, self.length(2)?),
                0xdd => (0, self.length(4)?),
                0xde => (0, 2 * self.length(2)?),
                0xdf => (0, 2 * self.length(4)?),
                0xc1 => bail!("marker 0xc1 (never used) at byte {}", self.at - 1),
            };
            self.take(skip_bytes)?;
            pending = pending
                .checked_add(elements)
                .context("a container longer than memory")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_bytes::ByteBuf;
    use sync_core::ids::MemberId;
    use sync_core::wire::{DocMeta, FeedItem, Frame, Visibility};

    fn feed(items: Vec<FeedItem>) -> Frame {
        Frame::Feed {
            from: 3,
            to: 70_000,
            reset: false,
            more: true,
            items,
        }
    }

    #[test]
    fn a_feed_page_names_each_contact_with_its_change_count() {
        let (a, b, c) = (
            ContactId::from_u128(1),
            ContactId::from_u128(2),
            ContactId::from_u128(3),
        );
        let meta = DocMeta {
            owner: MemberId::from_u128(9),
            visibility: Visibility::All,
        };
        let frame = feed(vec![
            FeedItem::Changes {
                doc: a,
                changes: vec![ByteBuf::from(vec![7; 300]), ByteBuf::from(vec![1, 2])],
            },
            FeedItem::Grant {
                doc: b,
                snapshot: ByteBuf::from(vec![0; 70_000]),
                meta: meta.clone(),
            },
            FeedItem::Meta { doc: c, meta },
            FeedItem::Revoke { doc: a },
        ]);
        let expected = vec![
            ItemGlance {
                doc: a,
                changes: 2,
                grant: false,
            },
            ItemGlance {
                doc: b,
                changes: 0,
                grant: true,
            },
            ItemGlance {
                doc: c,
                changes: 0,
                grant: false,
            },
            ItemGlance {
                doc: a,
                changes: 0,
                grant: false,
            },
        ];
        assert_eq!(feed_docs(&frame.encode()).unwrap(), Some(expected.clone()));
        // The same page deflated, as phones that accept compression receive it.
        let deflated = frame.encode_for(true);
        assert_ne!(deflated, frame.encode(), "the page was not compressed");
        assert_eq!(feed_docs(&deflated).unwrap(), Some(expected));
    }

    #[test]
    fn other_frames_are_not_feed_pages_and_cut_bytes_are_errors() {
        let ping = Frame::error(sync_core::wire::ErrorCode::RateLimited, "slow down", false);
        assert_eq!(feed_docs(&ping.encode()).unwrap(), None);
        let page = feed(vec![FeedItem::Purge {
            doc: ContactId::from_u128(5),
        }])
        .encode();
        let error = feed_docs(&page[..page.len() - 3]).unwrap_err();
        assert!(error.to_string().contains("ends inside"), "{error}");
    }
}
