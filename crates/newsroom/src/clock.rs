//! The time source every service and background job reads. Tests fix it or move it by
//! hand, so what they render and when jobs fall due are the same on every run.

use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The time source.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Fixed(Timestamp),
    /// A clock a test moves by hand (unix seconds).
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => Timestamp::now(),
            Self::Fixed(t) => *t,
            Self::Manual(secs) => {
                Timestamp::from_second(secs.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
            }
        }
    }
}
