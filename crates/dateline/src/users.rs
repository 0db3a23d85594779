//! `dateline user ...` and `dateline token ...`: accounts and API tokens from the command
//! line, through the newsroom's accounts service as the admin and the API use it. A new
//! account gets a generated password and a new token its secret, each printed once; only
//! hashes are stored.

use crate::config::{Settings, StoreArgs};
use anyhow::bail;
use clap::Subcommand;
use dateline_core::Actor;
use dateline_core::account::Email;
use dateline_newsroom::accounts::{self, AccountError, AccountFields};
use dateline_newsroom::passwords::Passwords;
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

/// Who the command line acts as: the operator, who runs the site.
const OPERATOR: Actor = Actor::System("command line");

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { email, role, name, author, store } => {
            let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
            let fields = AccountFields { email, name, role, author };
            let (user, password) = accounts::create(
                store.as_ref(),
                &Passwords::for_this_machine(),
                &OPERATOR,
                &fields,
                jiff::Timestamp::now(),
            )
            .await
            .map_err(flags)?;
            println!("Created {} ({}). Password (shown once): {password}", user.email, user.role);
            Ok(())
        }
        UserCommand::ResetPassword { email, store } => {
            let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let Some((user, _)) = store.user_for_login(email.as_str()).await? else {
                bail!("no account has the address {email}");
            };
            let (user, password) =
                accounts::reset_password(store.as_ref(), &Passwords::for_this_machine(), &OPERATOR, user.id)
                    .await?;
            println!("New password for {} (shown once): {password}", user.email);
            Ok(())
        }
    }
}

/// The newsroom's field errors as the command line's flags say them.
fn flags(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Invalid(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| match e.field {
                    "email" => format!("the address: {}", e.message),
                    field => format!("--{field}: {}", e.message),
                })
                .collect();
            anyhow::anyhow!("{}", lines.join("; "))
        }
        other => other.into(),
    }
}

/// The demo site's administrator: created on first demo start, with a new password.
pub async fn demo_administrator(store: &dyn Store) -> anyhow::Result<(String, String)> {
    const EMAIL: &str = "admin@dateline.example";
    let password = match store.user_for_login(EMAIL).await? {
        Some((user, _)) => {
            accounts::reset_password(store, &Passwords::for_this_machine(), &OPERATOR, user.id).await?.1
        }
        None => {
            let fields = AccountFields {
                email: EMAIL.into(),
                name: Some("Demo Administrator".into()),
                role: "administrator".into(),
                author: None,
            };
            accounts::create(
                store,
                &Passwords::for_this_machine(),
                &OPERATOR,
                &fields,
                jiff::Timestamp::now(),
            )
            .await?
            .1
        }
    };
    Ok((EMAIL.to_owned(), password))
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
    let store = crate::open_store(&Settings::resolve(&store, None)?).await?;
    let (stored, token) =
        accounts::create_token(store.as_ref(), &OPERATOR, &name, &scope, jiff::Timestamp::now())
            .await
            .map_err(flags)?;
    println!(
        "Created token {} ({}, scope {}). Token (shown once): {token}",
        stored.id,
        stored.name,
        stored.scope.as_str()
    );
    Ok(())
}
