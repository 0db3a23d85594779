//! What every handler shares: the store, the theme and the clock.

use crate::theme::Theme;
use dateline_store::Store;
use jiff::Timestamp;
use std::sync::Arc;

/// The time source. Tests fix it so rendered pages are the same on every run.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Self::System => Timestamp::now(),
            Self::Fixed(t) => t,
        }
    }
}

/// Shared state of the web layer; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub theme: Arc<Theme>,
    pub clock: Clock,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, theme: Theme) -> Self {
        Self {
            store,
            theme: Arc::new(theme),
            clock: Clock::System,
        }
    }
}
