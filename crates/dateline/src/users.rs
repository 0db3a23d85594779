//! `dateline user ...` and `dateline token ...`: accounts and API tokens from the command
//! line. A new account gets a generated password and a new token its secret, each printed
//! once; only hashes are stored.

use crate::config::{Settings, StoreArgs};
use anyhow::{Context, bail};
use clap::Subcommand;
use dateline_core::account::{Email, NewUser, Role};
use dateline_core::secrets;
use dateline_store::Store;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account and print its generated password once.
    Add {
        /// E-mail address to sign in with.
        email: String,
        /// administrator, editor, author or contributor.
        #[arg(long)]
        role: String,
        /// Name shown in the newsroom [default: the part of the address before @].
        #[arg(long)]
        name: Option<String>,
        /// Byline (author slug) the account writes under.
        #[arg(long)]
        author: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Give an account a new generated password (printed once) and sign it out everywhere.
    ResetPassword {
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { email, role, name, author, store } => {
            let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use administrator, editor, author or contributor")
            })?;
            let author = match author {
                Some(slug) => Some(
                    store.author_by_slug(&slug).await?.with_context(|| format!("no author {slug:?}"))?.id,
                ),
                None => None,
            };
            let (user, password) = add(store.as_ref(), &email, role, name, author).await?;
            println!("Created {} ({}). Password (shown once): {password}", user.email, user.role);
            Ok(())
        }
        UserCommand::ResetPassword { email, store } => {
            let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let Some((user, _)) = store.user_for_login(email.as_str()).await? else {
                bail!("no account has the address {email}");
            };
            let password = secrets::new_password()?;
            store.set_password(user.id, &secrets::hash_password(&password)?).await?;
            println!("New password for {} (shown once): {password}", user.email);
            Ok(())
        }
    }
}

async fn add(
    store: &dyn Store,
    email: &str,
    role: Role,
    name: Option<String>,
    author: Option<dateline_core::AuthorId>,
) -> anyhow::Result<(dateline_core::account::User, String)> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_owned());
    let password = secrets::new_password()?;
    let password_hash = secrets::hash_password(&password)?;
    let user = store
        .create_user(&NewUser { email, name, role, password_hash, author }, jiff::Timestamp::now())
        .await
        .context("cannot create the account")?;
    Ok((user, password))
}

/// The demo site's administrator: created on first demo start, with a new password.
pub async fn demo_administrator(store: &dyn Store) -> anyhow::Result<(String, String)> {
    const EMAIL: &str = "admin@dateline.example";
    match store.user_for_login(EMAIL).await? {
        Some((user, _)) => {
            let password = secrets::new_password()?;
            store.set_password(user.id, &secrets::hash_password(&password)?).await?;
            Ok((EMAIL.to_owned(), password))
        }
        None => {
            let (_, password) =
                add(store, EMAIL, Role::Administrator, Some("Demo Administrator".into()), None).await?;
            Ok((EMAIL.to_owned(), password))
        }
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once.
    Create {
        /// What the token is for, e.g. "mobile app".
        name: String,
        /// admin (the Admin API) or content (the read-only Content API).
        #[arg(long)]
        scope: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run_token(command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { name, scope, store } = command;
    let scope = dateline_core::account::TokenScope::parse(&scope)
        .with_context(|| format!("unknown scope {scope:?}: use admin or content"))?;
    if name.trim().is_empty() {
        bail!("give the token a name");
    }
    let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
    let (token, hash) = dateline_web::api::admin_taxonomy::new_token(scope)?;
    let stored = store.create_token(&name, scope, &hash, jiff::Timestamp::now()).await?;
    println!(
        "Created token {} ({}, scope {}). Token (shown once): {token}",
        stored.id,
        stored.name,
        scope.as_str()
    );
    Ok(())
}
