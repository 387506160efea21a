//! What a contact operation can answer instead of success.

use sync_core::document::DocumentError;
use sync_core::history::{HistoryError, RestoreError};
use sync_core::ids::ContactId;
use sync_core::validate::{FieldError, ValidationErrors};
use sync_core::wire::Rejection;

use crate::store::StoreError;

/// Why a contact operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    /// No such contact, or one the caller may not see (the two are never told apart).
    #[error("contact {0} not found")]
    NotFound(ContactId),
    /// The caller sees the contact but may not do this to it, or is not an admin.
    #[error("{0}")]
    Forbidden(String),
    /// A value of the request cannot be used (a member of another company, a revision the
    /// contact does not have); `field` names it as the request does.
    #[error("{field}: {message}")]
    BadInput {
        /// The request's field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The edit breaks field rules; every rule broken, in field order.
    #[error("the edit was not saved: {0}")]
    Invalid(ValidationErrors),
    /// The edit would make the contact's document larger than its cap.
    #[error("{0}")]
    TooLarge(String),
    /// The store refused the change as it refuses a device's push (`code` is one of
    /// `sync_core::accept::codes`).
    #[error("the change was refused ({}): {}", .0.code, .0.message)]
    Rejected(Rejection),
    /// The store failed, or holds damaged data.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ContactsError {
    /// A field of the request that cannot be used.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<FieldError> for ContactsError {
    fn from(error: FieldError) -> Self {
        Self::Invalid(ValidationErrors(vec![error]))
    }
}

impl From<DocumentError> for ContactsError {
    fn from(error: DocumentError) -> Self {
        match error {
            DocumentError::Invalid(errors) => Self::Invalid(errors),
            DocumentError::TooLarge { .. } => Self::TooLarge(error.to_string()),
            // The stored document does not read, or writing into it failed: damaged data,
            // which is the server's problem and not the caller's.
            other => Self::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}

impl From<RestoreError> for ContactsError {
    fn from(error: RestoreError) -> Self {
        match error {
            RestoreError::UnknownRevision { hash } => {
                Self::bad("revision", format!("the contact has no revision {hash}"))
            }
            RestoreError::Document(error) => error.into(),
            other => Self::bad("field", other.to_string()),
        }
    }
}

impl From<HistoryError> for ContactsError {
    fn from(error: HistoryError) -> Self {
        Self::bad("cursor", error.to_string())
    }
}

impl From<tokio::task::JoinError> for ContactsError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Store(StoreError::Corrupt(format!(
            "a document task did not finish: {error}"
        )))
    }
}
