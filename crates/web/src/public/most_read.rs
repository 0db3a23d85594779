//! The "Most Read" block of the home and story pages: the cards of the list the newsroom
//! keeps in memory (`dateline_newsroom::most_read`), never a query per page. Pages showing
//! it depend on `ChangeKey::MostRead`, written when the list changes.

use crate::error::WebError;
use crate::state::AppState;
use crate::views::Card;
use dateline_core::{SiteSettings, StoryId};

/// Stories the block shows.
pub const SHOWN: usize = 5;

/// The block's cards, most read first, leaving out the story of the page it is on.
pub async fn cards(
    state: &AppState,
    leave_out: Option<StoryId>,
    settings: &SiteSettings,
) -> Result<Vec<Card>, WebError> {
    let list = state.most_read.stories(&*state.store, state.clock.now()).await?;
    let shown: Vec<_> = list.iter().filter(|s| Some(s.id) != leave_out).take(SHOWN).cloned().collect();
    Ok(Card::list(&shown, settings))
}
