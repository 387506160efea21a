//! Exports: the contacts a member may see, as a file our own import reads back with nothing
//! lost (`interchange::ExportWriter`'s stable column order). A filter pages through the same
//! listing `GET /v1/contacts` reads; a selection skips the ids the caller may not see, as if
//! they did not exist.

use std::sync::Arc;

use interchange::{ExportFormat, ExportWriter};
use sync_core::document::ContactDoc;
use sync_core::ids::ContactId;

use super::ImportError;
use crate::contacts::Caller;
use crate::state::AppState;
use crate::store::listing::ContactQuery;

/// Contacts read and written per step.
const PAGE: usize = 500;

/// The file of every contact `caller` may see that `query` keeps (its `limit` and `after`
/// are the export's own).
pub async fn by_query(
    state: &AppState,
    caller: &Caller,
    mut query: ContactQuery,
    format: ExportFormat,
) -> Result<Vec<u8>, ImportError> {
    let mut writer = start(format)?;
    query.limit = PAGE;
    query.after = None;
    loop {
        let page = state
            .store
            .list_contacts(caller.tenant, &caller.viewer, &query)
            .await?;
        let ids: Vec<ContactId> = page.contacts.iter().map(|summary| summary.id).collect();
        writer = write_page(state, caller, writer, &ids).await?;
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    finish(writer)
}

/// The file of the contacts `ids` that `caller` may see, in the order given.
pub async fn by_ids(
    state: &AppState,
    caller: &Caller,
    ids: &[ContactId],
    format: ExportFormat,
) -> Result<Vec<u8>, ImportError> {
    let mut writer = start(format)?;
    for page in ids.chunks(PAGE) {
        writer = write_page(state, caller, writer, page).await?;
    }
    finish(writer)
}

fn start(format: ExportFormat) -> Result<ExportWriter<Vec<u8>>, ImportError> {
    ExportWriter::new(format, Vec::new()).map_err(|error| ImportError::Export(error.to_string()))
}

fn finish(writer: ExportWriter<Vec<u8>>) -> Result<Vec<u8>, ImportError> {
    writer
        .finish()
        .map_err(|error| ImportError::Export(error.to_string()))
}

/// Load the visible ones of `ids` and write them, off the async threads.
async fn write_page(
    state: &AppState,
    caller: &Caller,
    mut writer: ExportWriter<Vec<u8>>,
    ids: &[ContactId],
) -> Result<ExportWriter<Vec<u8>>, ImportError> {
    let mut docs: Vec<Arc<ContactDoc>> = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(loaded) = state.store.load_contact(caller.tenant, *id).await?
            && caller.sees(&loaded.meta)
        {
            docs.push(loaded.doc);
        }
    }
    tokio::task::spawn_blocking(move || {
        for doc in docs {
            let contact = doc
                .contact()
                .map_err(|error| ImportError::Export(error.to_string()))?;
            writer
                .add(&contact)
                .map_err(|error| ImportError::Export(error.to_string()))?;
        }
        Ok::<_, ImportError>(writer)
    })
    .await?
}
