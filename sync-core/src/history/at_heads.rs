//! Reading a contact document as it was at some heads, through autosurgeon.
//!
//! autosurgeon hydrates from anything that implements its `ReadDoc`; Automerge answers every
//! read "as at heads" with its `*_at` methods. This adapter joins the two, so the typed
//! [`Contact`] of any past state is one `hydrate` away, with no copy of the document (a
//! `fork_at` rebuilds the document from its changes, O(document) per call).

use std::ops::RangeBounds;

use automerge::{Automerge, AutomergeError, ChangeHash, ObjId, ReadDoc, Value};

use crate::contact::Contact;

/// A document seen as at `heads`.
pub(crate) struct AtHeads<'a> {
    doc: &'a Automerge,
    heads: &'a [ChangeHash],
}

impl<'a> AtHeads<'a> {
    pub(crate) fn new(doc: &'a Automerge, heads: &'a [ChangeHash]) -> Self {
        Self { doc, heads }
    }
}

/// The contact as it was at `heads`: the default (empty) contact before the first change.
pub(crate) fn contact_at(
    doc: &Automerge,
    heads: &[ChangeHash],
) -> Result<Contact, autosurgeon::HydrateError> {
    if heads.is_empty() {
        return Ok(Contact::default());
    }
    autosurgeon::hydrate(&AtHeads::new(doc, heads))
}

impl autosurgeon::ReadDoc for AtHeads<'_> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<ChangeHash> {
        self.heads.to_vec()
    }

    fn get<P: Into<automerge::Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        ReadDoc::get_at(self.doc, obj, prop, self.heads)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<automerge::ObjType> {
        // An object's type never changes once made, so the present answer holds at any heads.
        ReadDoc::object_type(self.doc, obj).ok()
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> automerge::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        ReadDoc::map_range_at(self.doc, obj, range, self.heads)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        ReadDoc::list_range_at(self.doc, obj, range, self.heads)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        ReadDoc::length_at(self.doc, obj, self.heads)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        ReadDoc::text_at(self.doc, obj, self.heads)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        ReadDoc::parents_at(self.doc, obj, self.heads)
    }

    fn is_empty(&self) -> bool {
        ReadDoc::keys_at(self.doc, automerge::ROOT, self.heads).count() == 0
    }
}
