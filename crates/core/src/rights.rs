//! Who may do what: the one rights table. Every surface (the HTML admin, the Admin API,
//! the Content API, the command line, wire agencies and background jobs) acts as an
//! [`Actor`], and `dateline-newsroom`'s services ask [`may`] before each change; the HTML
//! admin also asks it which buttons to show. No handler decides a right on its own.
//!
//! Roles follow the usual newsroom ladder: a contributor writes drafts (their own, until
//! one is public), an author publishes their own stories, an editor handles everyone's
//! stories and kills and reinstates them, an administrator also runs the site (users,
//! settings, sources, tokens, webhooks, the CDN purge log). An admin token has an
//! administrator's rights; a content token only reads what is public; the system
//! (scheduler, wire take-in) applies the wire's own transitions and publishes what is due.

use crate::account::{Role, User, UserId};
use crate::lifecycle::Transition;
use crate::{AuthorId, Story, StoryStatus};
use std::fmt;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in member of the newsroom (the HTML admin), or the operator naming an
    /// account on the command line.
    User(UserActor),
    /// An Admin API token (administrator's rights).
    AdminToken { id: i64, name: String },
    /// A Content API token (reads public stories only).
    ContentToken { id: i64, name: String },
    /// Dateline itself: the scheduler, wire take-in, the command line run by the operator.
    System(&'static str),
    /// Nobody signed in.
    SignedOut,
}

/// The parts of an account that rights depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActor {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// The byline the user writes under: stories with it are theirs.
    pub author: Option<AuthorId>,
}

impl From<&User> for Actor {
    fn from(user: &User) -> Self {
        Self::User(UserActor { id: user.id, name: user.name.clone(), role: user.role, author: user.author })
    }
}

impl Actor {
    /// The account behind this actor, if any.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User(u) => Some(u.id),
            _ => None,
        }
    }

    /// Whether `story` is this actor's own: they created it or write under one of its
    /// bylines. Only accounts own stories.
    pub fn owns(&self, story: &Story) -> bool {
        match self {
            Self::User(u) => {
                story.created_by == Some(u.id)
                    || u.author.is_some_and(|a| story.authors.iter().any(|s| s.id == a))
            }
            _ => false,
        }
    }

    /// The facts about `story` that rights depend on, for this actor.
    pub fn target(&self, story: &Story) -> Target {
        Target::Story { own: self.owns(story), status: story.status }
    }
}

impl fmt::Display for Actor {
    /// How history and logs name the actor.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(u) => write!(f, "{} ({})", u.name, u.role),
            Self::AdminToken { name, .. } => write!(f, "admin token \"{name}\""),
            Self::ContentToken { name, .. } => write!(f, "content token \"{name}\""),
            Self::System(job) => write!(f, "Dateline ({job})"),
            Self::SignedOut => f.write_str("signed out"),
        }
    }
}

/// What is asked for, besides the lifecycle's [`Transition`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read public stories (the Content API).
    ReadPublished,
    /// The newsroom's lists and any story in any status.
    ViewStories,
    CreateStory,
    ViewRevisions,
    /// Name new tags while writing a story.
    CreateTags,
    /// Publish wire items as they are, draft them or ignore them on the wire desk.
    ActOnWire,
    /// Add pictures to the media library and change their words.
    UploadMedia,
    /// Remove a picture no story shows from the library (the files go too).
    RemoveMedia,
    /// Sections, tags and authors pages.
    ManageTaxonomy,
    ManageUsers,
    ManageSettings,
    ManageSources,
    ManageTokens,
    ManageWebhooks,
    /// Put up or take down the breaking-news banner.
    SetBanner,
    /// Choose the home page's lead and top stories and each section's top stories.
    ArrangeFronts,
    /// Bring a whole site in (WordPress, Ghost, a Dateline export), export everything,
    /// back up and restore.
    MoveSite,
    /// The CDN purge log: what was purged from the CDN in front of the site, and how it went.
    ViewCdnPurges,
}

impl Action {
    pub const ALL: [Action; 18] = [
        Self::ReadPublished,
        Self::ViewStories,
        Self::CreateStory,
        Self::ViewRevisions,
        Self::CreateTags,
        Self::ActOnWire,
        Self::UploadMedia,
        Self::RemoveMedia,
        Self::ManageTaxonomy,
        Self::ManageUsers,
        Self::ManageSettings,
        Self::ManageSources,
        Self::ManageTokens,
        Self::ManageWebhooks,
        Self::SetBanner,
        Self::ArrangeFronts,
        Self::MoveSite,
        Self::ViewCdnPurges,
    ];
}

/// Something an actor may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deed {
    Do(Action),
    Change(Transition),
}

impl From<Action> for Deed {
    fn from(a: Action) -> Self {
        Self::Do(a)
    }
}

impl From<Transition> for Deed {
    fn from(t: Transition) -> Self {
        Self::Change(t)
    }
}

/// What a deed is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The site, or a story not yet written.
    Site,
    /// A story: whether it is the actor's own, and its status now.
    Story { own: bool, status: StoryStatus },
}

/// Whether `actor` may do `deed` to `target`. The one rights table: every surface's
/// allow or deny comes from here (whether the lifecycle allows the change from the story's
/// status is [`Transition::apply`]'s answer, asked separately).
pub fn may(actor: &Actor, deed: impl Into<Deed>, target: Target) -> bool {
    let deed = deed.into();
    let (own, status) = match target {
        Target::Site => (true, None),
        Target::Story { own, status } => (own, Some(status)),
    };
    match actor {
        Actor::SignedOut => false,
        Actor::ContentToken { .. } => deed == Deed::Do(Action::ReadPublished),
        Actor::System(_) => true,
        Actor::AdminToken { .. } => role_may(Role::Administrator, deed, own, status),
        Actor::User(u) => role_may(u.role, deed, own, status),
    }
}

fn role_may(role: Role, deed: Deed, own: bool, status: Option<StoryStatus>) -> bool {
    use Action::*;
    use Transition as T;
    match deed {
        // What the agency's copy does to a story is the wire's, never a person's.
        Deed::Change(T::AttachWirePicture | T::WireUpdate | T::WireWithdrawal) => false,
        Deed::Do(ReadPublished | ViewStories) => true,
        Deed::Do(action) => match role {
            Role::Administrator => true,
            Role::Editor => !matches!(
                action,
                ManageUsers
                    | ManageSettings
                    | ManageSources
                    | ManageTokens
                    | ManageWebhooks
                    | MoveSite
                    | ViewCdnPurges
            ),
            Role::Author => match action {
                CreateStory | CreateTags | UploadMedia => true,
                ViewRevisions => own,
                _ => false,
            },
            Role::Contributor => match action {
                CreateStory | CreateTags => true,
                ViewRevisions => own,
                _ => false,
            },
        },
        Deed::Change(t) => match role {
            Role::Administrator | Role::Editor => true,
            Role::Author => {
                own && matches!(
                    t,
                    T::Save
                        | T::Schedule
                        | T::Publish
                        | T::Update
                        | T::Correct
                        | T::Unpublish
                        | T::RestoreRevision
                        | T::Translate
                        | T::Live
                )
            }
            // A contributor's own drafts, until one has been anywhere but draft.
            Role::Contributor => {
                own && status.is_none_or(|s| s == StoryStatus::Draft)
                    && matches!(t, T::Save | T::RestoreRevision | T::Translate)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Transition as T;

    fn user(role: Role) -> Actor {
        Actor::User(UserActor { id: UserId(1), name: "Edith".into(), role, author: None })
    }
    fn story(own: bool, status: StoryStatus) -> Target {
        Target::Story { own, status }
    }

    #[test]
    fn the_ladder_of_rights() {
        use StoryStatus::*;
        let (c, a, e, admin) =
            (user(Role::Contributor), user(Role::Author), user(Role::Editor), user(Role::Administrator));
        assert!(!may(&c, T::Publish, story(true, Draft)));
        assert!(may(&c, T::Save, story(true, Draft)));
        assert!(!may(&c, T::Save, story(true, Unpublished)), "once public, no longer a contributor's");
        assert!(!may(&c, T::Save, story(false, Draft)));
        assert!(may(&a, T::Publish, story(true, Draft)));
        assert!(!may(&a, T::Publish, story(false, Draft)));
        assert!(!may(&a, T::Kill, story(true, Published)));
        assert!(!may(&a, T::Reinstate, story(true, Killed)));
        assert!(may(&e, T::Publish, story(false, Draft)));
        assert!(may(&e, T::Kill, story(false, Published)));
        assert!(may(&e, T::Reinstate, story(false, Killed)));
        assert!(may(&a, T::Live, story(true, Published)), "an author reports live on their own story");
        assert!(!may(&a, T::Live, story(false, Published)));
        assert!(!may(&c, T::Live, story(true, Draft)));
        assert!(may(&e, T::Live, story(false, Published)));
        assert!(!may(&e, ManageUsers, Target::Site));
        assert!(!may(&e, MoveSite, Target::Site), "imports and exports are an administrator's");
        assert!(!may(&e, ViewCdnPurges, Target::Site), "the CDN is run by administrators");
        assert!(!may(&a, ViewCdnPurges, Target::Site));
        assert!(may(&e, SetBanner, Target::Site), "breaking news is an editor's call");
        assert!(!may(&a, SetBanner, Target::Site));
        assert!(may(&e, ArrangeFronts, Target::Site), "the front page is an editor's call");
        assert!(!may(&a, ArrangeFronts, Target::Site));
        assert!(Action::ALL.iter().all(|x| may(&admin, *x, Target::Site)));
    }

    #[test]
    fn tokens_and_strangers() {
        let admin_token = Actor::AdminToken { id: 1, name: "desk".into() };
        let content = Actor::ContentToken { id: 2, name: "app".into() };
        assert!(may(&admin_token, ManageUsers, Target::Site));
        assert!(may(&admin_token, T::Reinstate, story(false, StoryStatus::Killed)));
        assert!(may(&content, ReadPublished, Target::Site));
        for a in Action::ALL.into_iter().filter(|a| *a != ReadPublished) {
            assert!(!may(&content, a, Target::Site), "{a:?}");
        }
        for t in Transition::ALL {
            assert!(!may(&content, t, story(false, StoryStatus::Draft)));
            assert!(!may(&Actor::SignedOut, t, story(false, StoryStatus::Draft)));
        }
        assert!(!may(&Actor::SignedOut, ReadPublished, Target::Site));
    }

    #[test]
    fn only_the_wire_applies_the_wire() {
        for t in [T::AttachWirePicture, T::WireUpdate, T::WireWithdrawal] {
            assert!(may(&Actor::System("wire"), t, story(false, StoryStatus::Published)));
            assert!(!may(&user(Role::Administrator), t, story(true, StoryStatus::Published)));
            assert!(!may(
                &Actor::AdminToken { id: 1, name: "x".into() },
                t,
                story(false, StoryStatus::Published)
            ));
        }
    }
}
