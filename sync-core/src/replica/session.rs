//! The server side of one device's connection, as a state machine with no I/O.
//!
//! The host (the WebSocket task, or the simulation) feeds it decoded frames and the answers to
//! its requests, and carries out the [`SessionEffect`]s it returns: sending frames, reading the
//! feed, committing pushes, answering repairs. The session itself only sequences the
//! conversation: `hello` first, one feed read in flight at a time, an `ack` only once the host
//! says the push committed.

use crate::ids::{ContactId, DeviceId, MemberId};
use crate::wire::{
    DocChanges, DocResult, ErrorCode, FeedItem, Frame, MAX_FRAME_BYTES, MAX_PUSH_DOCS,
    PROTOCOL_VERSION, PresenceState,
};

/// What the session asks its host to do.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEffect {
    /// Send this frame to the device.
    Send(Frame),
    /// Send this `feed` frame to the device, as a `deflated` frame when `deflate` is set and
    /// that is smaller ([`Frame::encode_for`]). Apart from [`SessionEffect::Send`] so that a
    /// host sending one page to many devices can encode and compress it once.
    SendFeed {
        /// The `feed` frame.
        frame: Frame,
        /// The device reads deflated frames.
        deflate: bool,
    },
    /// Close the connection (after sending what came before).
    Close,
    /// Read the feed for this member after `after` and answer with
    /// [`ServerSession::feed_loaded`], passing `request` back.
    FetchFeed(FeedRequest),
    /// Check, store and commit these changes, then answer with [`ServerSession::committed`].
    Commit {
        /// The device's batch id, to pass back.
        batch: u64,
        /// The pushed changes.
        docs: Vec<DocChanges>,
    },
    /// Answer a repair message with [`crate::accept::repair_reply`] if the member may see the
    /// contact, then call [`ServerSession::repaired`].
    Repair {
        /// The contact.
        doc: ContactId,
        /// The device's sync message.
        msg: Vec<u8>,
    },
    /// Tell the other devices that may see `doc` what this device's member is doing.
    Publish {
        /// The contact.
        doc: ContactId,
        /// What the member is doing.
        state: PresenceState,
    },
}

/// A request to read the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRequest {
    /// Read items with a larger seq than this.
    pub after: u64,
    /// Where a full resynchronisation left off, from the previous page.
    pub resume: Option<ResyncPosition>,
    /// Distinguishes requests, so an answer to a request made before the device re-sent
    /// `hello` is dropped.
    pub generation: u64,
}

/// How far a full resynchronisation (a device with no cursor, or one older than the feed
/// keeps) has gone: it sends every visible contact as a `grant`, in id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResyncPosition {
    /// The feed seq the resynchronisation brings the device to: snapshots are taken at or
    /// after it, so the feed continues from there.
    pub upto: u64,
    /// The last contact granted so far.
    pub after_doc: Option<ContactId>,
}

/// One page of the feed, read by the host.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The items the member may see, in feed order.
    pub items: Vec<FeedItem>,
    /// The seq this page brings the device to.
    pub to: u64,
    /// Whether this page belongs to a full resynchronisation (begun when `resume` was
    /// `None` and the cursor needed one).
    pub resync: bool,
    /// Where to continue a resynchronisation; `None` once it is complete.
    pub resume: Option<ResyncPosition>,
    /// Whether more items are waiting now.
    pub more: bool,
}

#[derive(Debug)]
enum Phase {
    AwaitingHello,
    Live(Feed),
}

#[derive(Debug)]
struct Feed {
    /// The cursor after the last page sent.
    sent_to: u64,
    /// A read is in flight with this generation.
    fetching: Option<u64>,
    /// The page being sent is the first of a resynchronisation.
    resync_started: bool,
    /// The next page of a resynchronisation under way.
    resume: Option<ResyncPosition>,
}

/// The server's state machine for one connection.
#[derive(Debug)]
pub struct ServerSession {
    member: MemberId,
    /// The device the access token was issued to: the only one a `hello` may name.
    signed_in: DeviceId,
    device: Option<DeviceId>,
    phase: Phase,
    /// The tenant's latest seq as far as this session knows.
    head: u64,
    generation: u64,
    /// The device reads deflated frames.
    deflate: bool,
    /// The largest frame the server accepts from the device, told in `welcome`.
    max_frame: usize,
    /// The document layout the device writes, from its `hello`.
    layout: Option<u32>,
    /// The oldest layout whose pushes are accepted, told in `welcome`.
    min_layout: u32,
}

impl ServerSession {
    /// A session for an authenticated member (authentication happens at the upgrade, before
    /// any frame). `device` is the one the token was issued to; `head` is the tenant's
    /// latest seq.
    pub fn new(member: MemberId, device: DeviceId, head: u64) -> Self {
        Self {
            member,
            signed_in: device,
            device: None,
            phase: Phase::AwaitingHello,
            head,
            generation: 0,
            deflate: false,
            max_frame: MAX_FRAME_BYTES,
            layout: None,
            min_layout: crate::accept::MIN_LAYOUT,
        }
    }

    /// The same session, accepting pushes only from devices writing `min_layout` or newer
    /// (the server's setting; [`MIN_LAYOUT`](crate::accept::MIN_LAYOUT) unless raised).
    pub fn requiring_layout(mut self, min_layout: u32) -> Self {
        self.min_layout = min_layout;
        self
    }

    /// The same session, telling the device in `welcome` that frames up to `limit` bytes
    /// are accepted (the server's setting; [`MAX_FRAME_BYTES`] unless changed).
    pub fn accepting(mut self, limit: usize) -> Self {
        self.max_frame = limit.min(MAX_FRAME_BYTES);
        self
    }

    /// The member this connection belongs to.
    pub fn member(&self) -> MemberId {
        self.member
    }

    /// The device, once it said `hello`.
    pub fn device(&self) -> Option<DeviceId> {
        self.device
    }

    /// Whether the session is waiting for nothing: no feed read in flight and the device sent
    /// everything up to the head.
    pub fn is_caught_up(&self) -> bool {
        match &self.phase {
            Phase::AwaitingHello => true,
            Phase::Live(feed) => {
                feed.fetching.is_none() && feed.resume.is_none() && feed.sent_to >= self.head
            }
        }
    }

    /// A frame arrived from the device.
    pub fn receive(&mut self, frame: Frame) -> Vec<SessionEffect> {
        match (frame, &self.phase) {
            (
                Frame::Hello {
                    v,
                    device,
                    cursor,
                    accept,
                    layout,
                },
                _,
            ) => {
                self.deflate = accept
                    .iter()
                    .any(|encoding| encoding == crate::wire::DEFLATE);
                self.layout = layout;
                self.hello(v, device, cursor)
            }
            (_, Phase::AwaitingHello) => {
                fatal(ErrorCode::HelloRequired, "send hello before anything else")
            }
            (Frame::Push { batch, docs }, _) => {
                if docs.len() > MAX_PUSH_DOCS {
                    return vec![SessionEffect::Send(Frame::error(
                        ErrorCode::BatchTooLarge,
                        format!(
                            "push {batch} carries {} contacts; at most {MAX_PUSH_DOCS} per push",
                            docs.len()
                        ),
                        false,
                    ))];
                }
                // A device too old to edit without loss commits nothing: every contact of
                // its push is refused at once, with no store involved.
                if let Err(rejection) = crate::accept::layout_at_least(self.layout, self.min_layout)
                {
                    let results = docs
                        .iter()
                        .map(|entry| DocResult {
                            doc: entry.doc,
                            seq: None,
                            rejected: Some(rejection.clone()),
                        })
                        .collect();
                    return vec![SessionEffect::Send(Frame::Ack { batch, results })];
                }
                vec![SessionEffect::Commit { batch, docs }]
            }
            (Frame::Sync { doc, msg }, _) => vec![SessionEffect::Repair { doc, msg }],
            (Frame::Presence { doc, state, .. }, _) => vec![SessionEffect::Publish { doc, state }],
            (Frame::Error { .. }, _) => Vec::new(),
            (
                Frame::Welcome { .. }
                | Frame::Ack { .. }
                | Frame::Feed { .. }
                | Frame::Deflated { .. }
                | Frame::Card { .. },
                _,
            ) => fatal(
                ErrorCode::BadFrame,
                "devices may not send welcome, ack, feed, deflated or card frames",
            ),
        }
    }

    /// A frame that could not be decoded arrived: answer with an error and close.
    pub fn malformed(&mut self, error: &crate::wire::WireError) -> Vec<SessionEffect> {
        fatal(error.code(), error.to_string())
    }

    fn hello(&mut self, version: u32, device: DeviceId, cursor: u64) -> Vec<SessionEffect> {
        if version != PROTOCOL_VERSION {
            return fatal(
                ErrorCode::UnsupportedVersion,
                format!(
                    "protocol version {version} is not supported; this server speaks {PROTOCOL_VERSION}"
                ),
            );
        }
        // A token speaks for one device: a `hello` naming another (of this member or of
        // another company) would follow the feed and receive card drafts as that device.
        if device != self.signed_in {
            return fatal(
                ErrorCode::Unauthorized,
                "the hello names a device other than the one this token was issued to",
            );
        }
        self.device = Some(device);
        // A repeated hello restarts the feed from the device's cursor: it is how a device that
        // noticed a gap asks again.
        self.phase = Phase::Live(Feed {
            sent_to: cursor,
            fetching: None,
            resync_started: false,
            resume: None,
        });
        let mut effects = vec![SessionEffect::Send(Frame::Welcome {
            v: PROTOCOL_VERSION,
            member: self.member,
            head: self.head,
            max_frame: self.max_frame as u32,
            layout: Some(crate::contact::DOC_LAYOUT),
            min_layout: Some(self.min_layout),
        })];
        effects.extend(self.fetch(true));
        effects
    }

    /// The tenant's feed advanced to `head` (a commit on this node or another).
    pub fn head_advanced(&mut self, head: u64) -> Vec<SessionEffect> {
        self.head = self.head.max(head);
        self.fetch(false)
    }

    fn fetch(&mut self, force: bool) -> Vec<SessionEffect> {
        let Phase::Live(feed) = &mut self.phase else {
            return Vec::new();
        };
        if feed.fetching.is_some() || (!force && feed.resume.is_none() && feed.sent_to >= self.head)
        {
            return Vec::new();
        }
        self.generation += 1;
        feed.fetching = Some(self.generation);
        vec![SessionEffect::FetchFeed(FeedRequest {
            after: feed.sent_to,
            resume: feed.resume,
            generation: self.generation,
        })]
    }

    /// The host read a page of the feed for `request`.
    pub fn feed_loaded(&mut self, request: &FeedRequest, page: FeedPage) -> Vec<SessionEffect> {
        let Phase::Live(feed) = &mut self.phase else {
            return Vec::new();
        };
        if feed.fetching != Some(request.generation) {
            return Vec::new();
        }
        feed.fetching = None;
        let reset = page.resync && request.resume.is_none();
        let from = feed.sent_to;
        feed.sent_to = page.to;
        feed.resume = page.resume;
        feed.resync_started |= reset;
        self.head = self.head.max(page.to);
        let more = page.more || page.resume.is_some();
        let mut effects = Vec::new();
        // An empty, non-resync page that moves nothing is not worth a frame.
        if !page.items.is_empty() || page.to != from || reset {
            effects.push(SessionEffect::SendFeed {
                frame: Frame::Feed {
                    from,
                    to: page.to,
                    reset,
                    more,
                    items: page.items,
                },
                deflate: self.deflate,
            });
        }
        if more {
            effects.extend(self.fetch(true));
        } else {
            effects.extend(self.fetch(false));
        }
        effects
    }

    /// The host committed (or refused) the push `batch`.
    pub fn committed(&mut self, batch: u64, results: Vec<DocResult>) -> Vec<SessionEffect> {
        vec![SessionEffect::Send(Frame::Ack { batch, results })]
    }

    /// The host answered a repair message; `reply` is `None` when the device lacks nothing
    /// or may not see the contact (it then receives an empty message and gives up).
    pub fn repaired(&mut self, doc: ContactId, reply: Option<Vec<u8>>) -> Vec<SessionEffect> {
        vec![SessionEffect::Send(Frame::Sync {
            doc,
            msg: reply.unwrap_or_default(),
        })]
    }

    /// Another device's presence, which the host already checked this member may see.
    pub fn presence(
        &mut self,
        doc: ContactId,
        state: PresenceState,
        member: MemberId,
        device: DeviceId,
    ) -> Vec<SessionEffect> {
        if Some(device) == self.device || matches!(self.phase, Phase::AwaitingHello) {
            return Vec::new();
        }
        vec![SessionEffect::Send(Frame::Presence {
            doc,
            state,
            member: Some(member),
            device: Some(device),
        })]
    }
}

fn fatal(code: ErrorCode, message: impl Into<String>) -> Vec<SessionEffect> {
    vec![
        SessionEffect::Send(Frame::error(code, message, true)),
        SessionEffect::Close,
    ]
}
