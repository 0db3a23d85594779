//! Fronts editors arrange: the home page's lead and top stories, and each section front's
//! top stories, pinned by an editor. Pinned stories come first while they are public; the
//! rest of each front fills in by time. A pinned story that is killed or unpublished
//! leaves its slot as it leaves the site (the front's pages depend on it).

use crate::{ChangeKey, FieldError, SectionId, StoryId};
use serde::{Deserialize, Serialize};

/// Top stories a front pins at most, besides its lead.
pub const MAX_TOP: usize = 8;

/// Which front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Front {
    Home,
    Section(SectionId),
}

impl Front {
    /// How the store names it.
    pub fn key(self) -> String {
        match self {
            Self::Home => "home".into(),
            Self::Section(id) => format!("section:{id}"),
        }
    }

    /// The pages that show it.
    pub fn change_key(self) -> ChangeKey {
        match self {
            Self::Home => ChangeKey::Front,
            Self::Section(id) => ChangeKey::Section(id),
        }
    }
}

/// The stories an editor pinned on a front: its lead and its top stories, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontPins {
    #[serde(default)]
    pub lead: Option<StoryId>,
    #[serde(default)]
    pub top: Vec<StoryId>,
}

impl FrontPins {
    /// Every pinned story, the lead first.
    pub fn all(&self) -> Vec<StoryId> {
        self.lead.iter().chain(&self.top).copied().collect()
    }

    /// Checks what an editor can get wrong: too many, or a story pinned twice.
    ///
    /// # Errors
    /// Every [`FieldError`] found.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.top.len() > MAX_TOP {
            errors.push(FieldError::new("top", format!("at most {MAX_TOP} top stories")));
        }
        let all = self.all();
        if all.iter().enumerate().any(|(i, id)| all[..i].contains(id)) {
            errors.push(FieldError::new("top", "a story is pinned twice"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_bounded_and_unique() {
        let ok = FrontPins { lead: Some(StoryId(1)), top: vec![StoryId(2), StoryId(3)] };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.all(), [StoryId(1), StoryId(2), StoryId(3)]);
        let twice = FrontPins { lead: Some(StoryId(2)), top: vec![StoryId(2)] };
        assert!(twice.validate().is_err());
        let many = FrontPins { lead: None, top: (0..9).map(StoryId).collect() };
        assert!(many.validate().is_err());
        assert_eq!(Front::Section(SectionId(4)).key(), "section:4");
        assert_eq!(Front::Home.change_key(), ChangeKey::Front);
    }
}
