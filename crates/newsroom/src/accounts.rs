//! Newsroom accounts and API tokens, the same for the HTML admin, the Admin API and the
//! command line: create an account (with a generated password, shown once), reset its
//! password, change its role, disable or re-enable it; create and revoke tokens (the
//! secret shown once, only its hash kept). Each call takes the actor and asks the rights
//! table. Two rules hold on every surface: nobody disables or demotes themself, and the site
//! keeps at least one enabled administrator (the store enforces that one as it writes).
//!
//! Every signed-in user also manages their own account, whatever their role: change their
//! password (the current one required; their other sessions end), list their sessions and
//! end any or all of the others. These take a user actor; tokens and the system have no
//! account of their own.

use crate::passwords::{PasswordError, Passwords};
use dateline_core::account::SessionInfo;
use dateline_core::account::{ApiToken, Email, NewUser, Role, TokenScope, User, UserId};
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{FieldError, secrets};
use dateline_store::{SessionChoice, Store, StoreError};
use jiff::Timestamp;

/// Why an account or token change was not made.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no such account or token")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// What an administrator may do to others but not to themself.
    #[error("{0}")]
    NotYourself(&'static str),
    #[error("the site must keep at least one enabled administrator")]
    LastAdministrator,
    /// Fields to correct.
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Every password permit is taken: try again in a moment.
    #[error("too many passwords are being checked at once")]
    Busy,
    #[error("the system's random generator failed")]
    Secret(#[source] secrets::SecretError),
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::LastAdministrator => Self::LastAdministrator,
            StoreError::Invalid(errors) => Self::Invalid(errors),
            other => Self::Store(other),
        }
    }
}

impl From<PasswordError> for AccountError {
    fn from(e: PasswordError) -> Self {
        match e {
            PasswordError::Busy => Self::Busy,
            PasswordError::Secret(e) => Self::Secret(e),
            PasswordError::Stopped(why) => Self::Store(StoreError::Config(why)),
        }
    }
}

impl From<secrets::SecretError> for AccountError {
    fn from(e: secrets::SecretError) -> Self {
        Self::Secret(e)
    }
}

/// A new account's fields as a surface receives them.
#[derive(Debug, Clone, Default)]
pub struct AccountFields {
    pub email: String,
    /// Shown in the newsroom; the part of the address before `@` when `None`.
    pub name: Option<String>,
    /// administrator, editor, author or contributor.
    pub role: String,
    /// Slug of the byline the account writes under.
    pub author: Option<String>,
}

fn require(actor: &Actor, action: Action) -> Result<(), AccountError> {
    if rights::may(actor, action, Target::Site) { Ok(()) } else { Err(AccountError::Forbidden) }
}

/// A generated password and its hash (hashing is slow on purpose: one of the bounded
/// permits of `passwords`, on the blocking pool).
async fn new_password(passwords: &Passwords) -> Result<(String, String), AccountError> {
    let permit = passwords.permit()?;
    let password = secrets::new_password()?;
    let hash = permit.hash(password.clone()).await?;
    Ok((password, hash))
}

/// Creates an account; returns it with its generated password, to show once.
///
/// # Errors
/// [`AccountError::Forbidden`]; [`AccountError::Invalid`] with every field problem (an
/// address already in use included); a store or random-generator failure.
pub async fn create(
    store: &dyn Store,
    passwords: &Passwords,
    actor: &Actor,
    fields: &AccountFields,
    now: Timestamp,
) -> Result<(User, String), AccountError> {
    require(actor, Action::ManageUsers)?;
    let mut errors = Vec::new();
    let email = Email::parse(&fields.email).map_err(|e| errors.push(FieldError::new("email", e))).ok();
    let role = Role::parse(fields.role.trim());
    if role.is_none() {
        errors.push(FieldError::new("role", "administrator, editor, author or contributor"));
    }
    let name = match (&fields.name, &email) {
        (Some(name), _) if name.trim().is_empty() => {
            errors.push(FieldError::new("name", "give the name"));
            None
        }
        (Some(name), _) => Some(name.trim().to_owned()),
        (None, Some(email)) => Some(email.as_str().split('@').next().unwrap_or_default().to_owned()),
        (None, None) => None,
    };
    let author = match fields.author.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(slug) => {
            let found = store.author_by_slug(slug).await?;
            if found.is_none() {
                errors.push(FieldError::new("author", "no such author"));
            }
            found.map(|a| a.id)
        }
    };
    let (Some(email), Some(role), Some(name), true) = (email, role, name, errors.is_empty()) else {
        return Err(AccountError::Invalid(errors));
    };
    let (password, password_hash) = new_password(passwords).await?;
    let user = match store.create_user(&NewUser { email, name, role, password_hash, author }, now).await {
        Ok(user) => user,
        Err(StoreError::Duplicate(_)) => {
            return Err(AccountError::Invalid(vec![FieldError::new(
                "email",
                "an account already uses that address",
            )]));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user = %user.email, role = %user.role, %actor, "account created");
    Ok((user, password))
}

/// Gives account `id` a new generated password (returned, to show once) and signs it out
/// everywhere.
///
/// # Errors
/// [`AccountError::Forbidden`], [`AccountError::NotFound`], a store failure.
pub async fn reset_password(
    store: &dyn Store,
    passwords: &Passwords,
    actor: &Actor,
    id: UserId,
) -> Result<(User, String), AccountError> {
    require(actor, Action::ManageUsers)?;
    let user = store.user(id).await?.ok_or(AccountError::NotFound)?;
    let (password, hash) = new_password(passwords).await?;
    store.set_password(user.id, &hash, None).await?;
    tracing::info!(user = %user.email, %actor, "password reset");
    Ok((user, password))
}

/// Gives account `id` a new role.
///
/// # Errors
/// [`AccountError::NotYourself`] for the actor's own account (unless it stays an
/// administrator), [`AccountError::LastAdministrator`], as [`reset_password`] otherwise.
pub async fn set_role(
    store: &dyn Store,
    actor: &Actor,
    id: UserId,
    role: Role,
) -> Result<User, AccountError> {
    require(actor, Action::ManageUsers)?;
    if actor.user_id() == Some(id) && role != Role::Administrator {
        return Err(AccountError::NotYourself("You cannot take away your own administrator rights."));
    }
    store.set_user_role(id, role).await?;
    let user = store.user(id).await?.ok_or(AccountError::NotFound)?;
    tracing::info!(user = %user.email, role = %role, %actor, "role changed");
    Ok(user)
}

/// Disables account `id` (signing it out everywhere) or enables it again.
///
/// # Errors
/// [`AccountError::NotYourself`] when disabling the actor's own account,
/// [`AccountError::LastAdministrator`], as [`reset_password`] otherwise.
pub async fn set_disabled(
    store: &dyn Store,
    actor: &Actor,
    id: UserId,
    disabled: bool,
) -> Result<User, AccountError> {
    require(actor, Action::ManageUsers)?;
    if disabled && actor.user_id() == Some(id) {
        return Err(AccountError::NotYourself("You cannot disable your own account."));
    }
    store.set_user_disabled(id, disabled).await?;
    let user = store.user(id).await?.ok_or(AccountError::NotFound)?;
    tracing::info!(user = %user.email, disabled, %actor, "account enabled or disabled");
    Ok(user)
}

/// Creates an API token named `name` for `scope`; returns it with its secret, to show once.
///
/// # Errors
/// [`AccountError::Forbidden`], [`AccountError::Invalid`] for an empty name or unknown
/// scope, a store or random-generator failure.
pub async fn create_token(
    store: &dyn Store,
    actor: &Actor,
    name: &str,
    scope: &str,
    now: Timestamp,
) -> Result<(ApiToken, String), AccountError> {
    require(actor, Action::ManageTokens)?;
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "give the token a name"));
    }
    let Some(scope) = TokenScope::parse(scope.trim()) else {
        errors.push(FieldError::new("scope", "admin or content"));
        return Err(AccountError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AccountError::Invalid(errors));
    }
    let secret = secrets::new_token(&format!("dl_{}_", scope.as_str()))?;
    let stored = store.create_token(name.trim(), scope, &secrets::token_hash(&secret), now).await?;
    tracing::info!(token = stored.id, name = %stored.name, scope = scope.as_str(), %actor, "API token created");
    Ok((stored, secret))
}

/// Revokes token `id`: it stops working at once.
///
/// # Errors
/// [`AccountError::Forbidden`], [`AccountError::NotFound`], a store failure.
pub async fn revoke_token(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    now: Timestamp,
) -> Result<(), AccountError> {
    require(actor, Action::ManageTokens)?;
    store.revoke_token(id, now).await?;
    tracing::info!(token = id, %actor, "API token revoked");
    Ok(())
}

/// The account a user actor acts as; tokens and the system have none.
fn own_account(actor: &Actor) -> Result<UserId, AccountError> {
    actor.user_id().ok_or(AccountError::Forbidden)
}

/// Changes the actor's own password from `current` to `new`, ending every other session of
/// theirs (the one named by `session`, a token hash, stays signed in).
///
/// # Errors
/// [`AccountError::Invalid`] when `current` is wrong (field `current`) or `new` is too short
/// or the same (field `new`); [`AccountError::Busy`] when no password permit is free;
/// [`AccountError::Forbidden`] for an actor without an account; a store failure.
pub async fn change_own_password(
    store: &dyn Store,
    passwords: &Passwords,
    actor: &Actor,
    session: &str,
    current: &str,
    new: &str,
) -> Result<(), AccountError> {
    let id = own_account(actor)?;
    let user = store.user(id).await?.ok_or(AccountError::NotFound)?;
    let mut errors = Vec::new();
    if new.chars().count() < secrets::MIN_PASSWORD_CHARS {
        errors
            .push(FieldError::new("new", format!("use at least {} characters", secrets::MIN_PASSWORD_CHARS)));
    } else if new == current {
        errors.push(FieldError::new("new", "choose a password other than the current one"));
    }
    // Checked before the current password, so no permit is spent on a form that would fail.
    if !errors.is_empty() {
        return Err(AccountError::Invalid(errors));
    }
    let (_, hash) = store.user_for_login(user.email.as_str()).await?.ok_or(AccountError::NotFound)?;
    if !passwords.permit()?.verify(current.to_owned(), hash).await? {
        tracing::info!(user = ?user.email.as_str(), "own password change refused: wrong current password");
        return Err(AccountError::Invalid(vec![FieldError::new(
            "current",
            "that is not your current password",
        )]));
    }
    let hash = passwords.permit()?.hash(new.to_owned()).await?;
    store.set_password(id, &hash, Some(session)).await?;
    tracing::info!(user = ?user.email.as_str(), "own password changed; other sessions ended");
    Ok(())
}

/// The actor's own live sessions, newest first.
///
/// # Errors
/// [`AccountError::Forbidden`] for an actor without an account; a store failure.
pub async fn own_sessions(
    store: &dyn Store,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<SessionInfo>, AccountError> {
    Ok(store.user_sessions(own_account(actor)?, now).await?)
}

/// Ends one of the actor's own sessions (by token hash), or with `None` all of them but
/// `current`. Answers how many ended.
///
/// # Errors
/// [`AccountError::NotFound`] when the actor has no such session; [`AccountError::Forbidden`]
/// for an actor without an account; a store failure.
pub async fn end_own_sessions(
    store: &dyn Store,
    actor: &Actor,
    which: Option<&str>,
    current: &str,
) -> Result<u64, AccountError> {
    let id = own_account(actor)?;
    let choice = match which {
        Some(hash) => SessionChoice::Only(hash),
        None => SessionChoice::AllBut(current),
    };
    let ended = store.end_sessions(id, choice).await?;
    if which.is_some() && ended == 0 {
        return Err(AccountError::NotFound);
    }
    tracing::info!(%actor, ended, "own sessions ended");
    Ok(ended)
}
