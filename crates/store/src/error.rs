//! The one error type of the store.

use dateline_core::FieldError;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0} is already taken")]
    Duplicate(&'static str),
    #[error("the story was saved by someone else meanwhile (now version {current})")]
    Conflict { current: i64 },
    /// The story's status does not allow the change (it was killed, is already published...).
    #[error(transparent)]
    Refused(#[from] dateline_core::TransitionError),
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The change would leave the site without an enabled administrator.
    #[error("the site must keep at least one administrator")]
    LastAdministrator,
    #[error("configuration: {0}")]
    Config(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Self::Unavailable(e),
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Duplicate("slug"),
            _ => Self::Database(e),
        }
    }
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}
