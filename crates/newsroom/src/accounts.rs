//! Newsroom accounts and API tokens, the same for the HTML admin, the Admin API and the
//! command line: create an account (with a generated password, shown once), reset its
//! password, change its role, disable or re-enable it; create and revoke tokens (the
//! secret shown once, only its hash kept). Each call takes the actor and asks the rights
//! table. Two rules hold on every surface: nobody disables or demotes themself, and the site
//! keeps at least one enabled administrator (the store enforces that one as it writes).

use dateline_core::account::{ApiToken, Email, NewUser, Role, TokenScope, User, UserId};
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{FieldError, secrets};
use dateline_store::{Store, StoreError};
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

/// A generated password and its hash (hashing is slow on purpose: on the blocking pool).
async fn new_password() -> Result<(String, String), AccountError> {
    let password = secrets::new_password()?;
    let typed = password.clone();
    let hash = tokio::task::spawn_blocking(move || secrets::hash_password(&typed))
        .await
        .map_err(|e| AccountError::Store(StoreError::Config(format!("password hashing stopped: {e}"))))??;
    Ok((password, hash))
}

/// Creates an account; returns it with its generated password, to show once.
///
/// # Errors
/// [`AccountError::Forbidden`]; [`AccountError::Invalid`] with every field problem (an
/// address already in use included); a store or random-generator failure.
pub async fn create(
    store: &dyn Store,
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
    let (password, password_hash) = new_password().await?;
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
    actor: &Actor,
    id: UserId,
) -> Result<(User, String), AccountError> {
    require(actor, Action::ManageUsers)?;
    let user = store.user(id).await?.ok_or(AccountError::NotFound)?;
    let (password, hash) = new_password().await?;
    store.set_password(user.id, &hash).await?;
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
