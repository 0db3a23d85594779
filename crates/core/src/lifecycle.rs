//! The story lifecycle: every status a story can be in and every change that can happen to
//! it, as one state machine. [`Transition::apply`] is the only place that says which
//! changes are allowed from which status; the store repeats [`Transition::from`] in the
//! `WHERE` of each statement that changes a story, so the database refuses what a caller
//! forgot to ask (or what a racing request changed in between).
//!
//! A kill is a legal takedown: `Killed` is terminal for everything but an explicit
//! [`Transition::Reinstate`], which takes the story back to `Unpublished` (off the site,
//! for the newsroom to decide again) and needs a reason.

use crate::StoryStatus;
use serde::Serialize;
use std::fmt;

/// Everything that can happen to a story once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Save new words while the story is not public (a revision).
    Save,
    /// Set or move the time a story that is not public goes live.
    Schedule,
    /// Put the story on the public site.
    Publish,
    /// Save new words while the story is public: stamped "Updated".
    Update,
    /// Append a correction note to a story that has been public.
    Correct,
    /// Take the story off the public site (or call off its schedule), keeping it.
    Unpublish,
    /// Legal removal: off every public surface at once, for good.
    Kill,
    /// Undo a kill (editors and administrators only, with a reason): back to unpublished.
    Reinstate,
    /// Save an earlier revision again as the newest.
    RestoreRevision,
    /// Give a wire story the agency's picture once it has been fetched.
    AttachWirePicture,
    /// The agency sent a newer version of a published wire story.
    WireUpdate,
    /// The agency withdrew the item the story was made from.
    WireWithdrawal,
    /// Make the story a translation of another (or of none).
    Translate,
    /// Report live: start or end the story's live coverage, add, edit or delete an entry.
    Live,
}

use StoryStatus::{Draft, Killed, Published, Scheduled, Unpublished};

/// Every status but `Killed`.
const LIVING: &[StoryStatus] = &[Draft, Scheduled, Published, Unpublished];
/// Every status where the story is not on the public site and may be again.
const OFF_SITE: &[StoryStatus] = &[Draft, Scheduled, Unpublished];

impl Transition {
    pub const ALL: [Transition; 14] = [
        Self::Save,
        Self::Schedule,
        Self::Publish,
        Self::Update,
        Self::Correct,
        Self::Unpublish,
        Self::Kill,
        Self::Reinstate,
        Self::RestoreRevision,
        Self::AttachWirePicture,
        Self::WireUpdate,
        Self::WireWithdrawal,
        Self::Translate,
        Self::Live,
    ];

    /// The statuses this transition may start from.
    pub fn from(self) -> &'static [StoryStatus] {
        match self {
            Self::Save => OFF_SITE,
            Self::Schedule | Self::Publish => OFF_SITE,
            Self::Update | Self::WireUpdate => &[Published],
            Self::Correct => &[Published, Unpublished],
            Self::Unpublish => &[Scheduled, Published],
            Self::Kill | Self::WireWithdrawal => LIVING,
            Self::Reinstate => &[Killed],
            Self::RestoreRevision | Self::AttachWirePicture | Self::Translate | Self::Live => LIVING,
        }
    }

    /// The status a story is in after this transition from `from` (assumed allowed).
    fn to(self, from: StoryStatus) -> StoryStatus {
        match self {
            Self::Schedule => Scheduled,
            Self::Publish => Published,
            Self::Unpublish | Self::Reinstate => Unpublished,
            Self::Kill | Self::WireWithdrawal => Killed,
            Self::Save
            | Self::Update
            | Self::Correct
            | Self::RestoreRevision
            | Self::AttachWirePicture
            | Self::WireUpdate
            | Self::Translate
            | Self::Live => from,
        }
    }

    /// The status after this transition from `status`.
    ///
    /// # Errors
    /// [`TransitionError`] when the transition is not allowed from `status`.
    pub fn apply(self, status: StoryStatus) -> Result<StoryStatus, TransitionError> {
        if self.from().contains(&status) {
            Ok(self.to(status))
        } else {
            Err(TransitionError { transition: self, status })
        }
    }

    /// The `status IN (...)` list of [`Transition::from`], for SQL.
    pub fn from_sql(self) -> String {
        let quoted: Vec<String> = self.from().iter().map(|s| format!("'{}'", s.as_str())).collect();
        format!("({})", quoted.join(", "))
    }

    /// How the newsroom names this transition (history, logs, errors).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::Schedule => "schedule",
            Self::Publish => "publish",
            Self::Update => "update",
            Self::Correct => "correct",
            Self::Unpublish => "unpublish",
            Self::Kill => "kill",
            Self::Reinstate => "reinstate",
            Self::RestoreRevision => "restore",
            Self::AttachWirePicture => "attach_wire_picture",
            Self::WireUpdate => "wire_update",
            Self::WireWithdrawal => "wire_withdrawal",
            Self::Translate => "translate",
            Self::Live => "live",
        }
    }

    /// The transition a content save is: `Update` on a public story, `Save` otherwise.
    pub fn save_for(status: StoryStatus) -> Self {
        if status == Published { Self::Update } else { Self::Save }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of status asked of the store, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Publish,
    /// Go live at this time (which must be in the future).
    Schedule(jiff::Timestamp),
    Unpublish,
    Kill,
    /// Undo a kill; the reason is kept in the story's history.
    Reinstate {
        reason: String,
    },
}

impl StatusChange {
    pub fn transition(&self) -> Transition {
        match self {
            Self::Publish => Transition::Publish,
            Self::Schedule(_) => Transition::Schedule,
            Self::Unpublish => Transition::Unpublish,
            Self::Kill => Transition::Kill,
            Self::Reinstate { .. } => Transition::Reinstate,
        }
    }
}

/// One step of a story's life as the newsroom sees it in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub at: jiff::Timestamp,
    pub transition: String,
    /// Who did it, as named when it happened.
    pub actor: String,
    pub note: String,
}

/// A transition the lifecycle does not allow from the story's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    pub transition: Transition,
    pub status: StoryStatus,
}

impl TransitionError {
    /// What an editor is told.
    pub fn message(&self) -> String {
        use Transition as T;
        let status = self.status;
        if status == Killed {
            return "This story was killed: it stays off the site and cannot be changed. An editor can \
                    reinstate it, giving a reason."
                .into();
        }
        match self.transition {
            T::Save | T::Schedule | T::Publish if status == Published => {
                format!("This story is already published, so it cannot be {}.", self.transition.past())
            }
            T::Update | T::WireUpdate => "Only a published story can be updated; save it instead.".into(),
            T::Correct => "Corrections are for stories that have been published.".into(),
            T::Unpublish => {
                "This story is not on the site or scheduled, so there is nothing to unpublish.".into()
            }
            T::Reinstate => "Only a killed story can be reinstated.".into(),
            _ => format!("A {} story cannot be {}.", status.as_str(), self.transition.past()),
        }
    }
}

impl Transition {
    /// "cannot be ...".
    fn past(self) -> &'static str {
        match self {
            Self::Save => "saved",
            Self::Schedule => "scheduled",
            Self::Publish => "published",
            Self::Update | Self::WireUpdate => "updated",
            Self::Correct => "corrected",
            Self::Unpublish => "unpublished",
            Self::Kill => "killed",
            Self::Reinstate => "reinstated",
            Self::RestoreRevision => "restored",
            Self::AttachWirePicture => "given a picture",
            Self::WireWithdrawal => "withdrawn",
            Self::Translate => "made a translation",
            Self::Live => "reported live",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole machine, written out: (transition, from) -> to, or refused. Every pair of
    /// the 14 transitions and 5 statuses is here, so a change to the rules shows in this
    /// table.
    fn expected(t: Transition, from: StoryStatus) -> Option<StoryStatus> {
        use Transition as T;
        match (t, from) {
            (T::Save, Draft | Scheduled | Unpublished) => Some(from),
            (T::Save, Published | Killed) => None,
            (T::Schedule, Draft | Scheduled | Unpublished) => Some(Scheduled),
            (T::Schedule, Published | Killed) => None,
            (T::Publish, Draft | Scheduled | Unpublished) => Some(Published),
            (T::Publish, Published | Killed) => None,
            (T::Update, Published) => Some(Published),
            (T::Update, Draft | Scheduled | Unpublished | Killed) => None,
            (T::Correct, Published | Unpublished) => Some(from),
            (T::Correct, Draft | Scheduled | Killed) => None,
            (T::Unpublish, Scheduled | Published) => Some(Unpublished),
            (T::Unpublish, Draft | Unpublished | Killed) => None,
            (T::Kill, Draft | Scheduled | Published | Unpublished) => Some(Killed),
            (T::Kill, Killed) => None,
            (T::Reinstate, Killed) => Some(Unpublished),
            (T::Reinstate, Draft | Scheduled | Published | Unpublished) => None,
            (T::RestoreRevision, Draft | Scheduled | Published | Unpublished) => Some(from),
            (T::RestoreRevision, Killed) => None,
            (T::AttachWirePicture, Draft | Scheduled | Published | Unpublished) => Some(from),
            (T::AttachWirePicture, Killed) => None,
            (T::WireUpdate, Published) => Some(Published),
            (T::WireUpdate, Draft | Scheduled | Unpublished | Killed) => None,
            (T::WireWithdrawal, Draft | Scheduled | Published | Unpublished) => Some(Killed),
            (T::WireWithdrawal, Killed) => None,
            (T::Translate, Draft | Scheduled | Published | Unpublished) => Some(from),
            (T::Translate, Killed) => None,
            (T::Live, Draft | Scheduled | Published | Unpublished) => Some(from),
            (T::Live, Killed) => None,
        }
    }

    #[test]
    fn every_transition_from_every_status() {
        let mut pairs = 0;
        for t in Transition::ALL {
            for from in StoryStatus::ALL {
                let got = t.apply(from);
                match expected(t, from) {
                    Some(to) => assert_eq!(got, Ok(to), "{t} from {from:?}"),
                    None => assert_eq!(
                        got,
                        Err(TransitionError { transition: t, status: from }),
                        "{t} from {from:?}"
                    ),
                }
                pairs += 1;
            }
        }
        assert_eq!(pairs, 70);
    }

    #[test]
    fn killed_is_terminal_but_for_reinstate() {
        for t in Transition::ALL {
            assert_eq!(t.apply(Killed).is_ok(), t == Transition::Reinstate, "{t}");
        }
        assert_eq!(Transition::Reinstate.apply(Killed), Ok(Unpublished));
    }

    #[test]
    fn refusals_say_what_happened_in_words() {
        let killed = Transition::Publish.apply(Killed).unwrap_err().message();
        assert!(killed.contains("killed") && killed.contains("reinstate"), "{killed}");
        let twice = Transition::Publish.apply(Published).unwrap_err().message();
        assert_eq!(twice, "This story is already published, so it cannot be published.");
        let unpub = Transition::Unpublish.apply(Draft).unwrap_err().message();
        assert!(unpub.contains("nothing to unpublish"), "{unpub}");
        for t in Transition::ALL {
            for s in StoryStatus::ALL {
                if let Err(e) = t.apply(s) {
                    let m = e.message();
                    assert!(!m.contains("  ") && m.ends_with('.'), "{t} {s:?}: {m}");
                }
            }
        }
    }

    #[test]
    fn sql_lists_the_from_states() {
        assert_eq!(Transition::Unpublish.from_sql(), "('scheduled', 'published')");
        assert_eq!(Transition::Reinstate.from_sql(), "('killed')");
    }
}
