//! Signing in: e-mail address and password to a new session, throttled so that guessing is
//! slow and nobody can lock the owner of an account out.
//!
//! Each attempt is checked against two subjects, the account (the address typed, lowercased,
//! whether or not an account has it) and the client's address (behind trusted proxies, the
//! forwarded one; the surface finds it). The rule (`dateline_core::throttle`):
//!
//! - An attempt is **reserved as a failure of both subjects before the password is
//!   checked**, in one transaction with the check of the wait below, so parallel attempts
//!   each count the ones before them. A right password releases it: the account's failures
//!   are cleared and the address's reserved failure deleted.
//! - With `n` failures of a subject in the last hour, the first few attempts are free
//!   (5 per account, 10 per address); after that the next attempt must come at least
//!   1 s × 2^(n − free) after the subject's latest failure: 1, 2, 4, 8... seconds, capped at
//!   **60 s for an account** and **15 minutes for an address**. An attempt that comes too
//!   early is answered [`SignInError::Wait`] (429 with `Retry-After`), not checked, and not
//!   counted.
//! - So a stranger who guesses at someone's account from elsewhere can make its owner wait
//!   at most 60 s after the stranger's latest guess, and never from the stranger's own
//!   address delay, which only slows that address (up to 15 minutes a try). The owner, on
//!   another address, signs in once the account's wait (at most a minute) has passed. A
//!   stranger willing to guess once a minute from many addresses gets about 60 guesses an
//!   hour at one account, while their addresses slow down.
//! - The password is checked only with a permit from [`Passwords`] (as many as cores);
//!   without one the attempt is answered [`SignInError::Busy`] at once, and nothing is
//!   reserved.

use crate::passwords::{PasswordError, Passwords};
use dateline_core::account::User;
use dateline_core::secrets;
use dateline_core::throttle::{self, Reservation};
use dateline_store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The address and password match no enabled account.
    #[error("the e-mail address and password do not match an account")]
    Mismatch,
    /// The account or the client's address must wait this long before trying again.
    #[error("too many failed sign-ins; try again in {} s", .0.as_secs())]
    Wait(SignedDuration),
    /// Every password permit is taken.
    #[error("too many sign-ins at once")]
    Busy,
    #[error("password check failed: {0}")]
    Password(#[source] PasswordError),
    #[error("the system's random generator failed")]
    Secret(#[source] secrets::SecretError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// A new session: the token goes into the browser's cookie, only its hash is stored.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub csrf: String,
    pub expires_at: Timestamp,
}

/// An attempt to sign in, as the surface received it.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address as the surface found it ("unknown" when there is none).
    pub address: &'a str,
    pub now: Timestamp,
    /// How long the session lasts.
    pub lasts: SignedDuration,
}

/// Signs in under the rule of the module documentation.
///
/// # Errors
/// [`SignInError::Busy`], [`SignInError::Wait`], [`SignInError::Mismatch`], or a store,
/// hasher or random-generator failure.
pub async fn sign_in(
    store: &dyn Store,
    passwords: &Passwords,
    attempt: &Attempt<'_>,
) -> Result<SignedIn, SignInError> {
    let email = attempt.email.trim().to_lowercase();
    let account = format!("user:{email}");
    let address = format!("ip:{}", attempt.address);
    let permit = passwords.permit().map_err(|_| SignInError::Busy)?;
    let subjects = [(account.as_str(), throttle::ACCOUNT), (address.as_str(), throttle::ADDRESS)];
    if let Reservation::Wait(left) = store.reserve_login_attempt(&subjects, attempt.now).await? {
        tracing::info!(?email, address = %attempt.address, wait = left.as_secs(), "sign-in throttled");
        return Err(SignInError::Wait(left));
    }
    let found = store.user_for_login(&email).await?;
    // Unknown or disabled accounts are checked against a dummy hash, so that every refusal
    // takes as long.
    let (user, hash) = match found {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, DUMMY_HASH.clone()),
    };
    let matches = permit.verify(attempt.password.to_owned(), hash).await.map_err(SignInError::Password)?;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(?email, address = %attempt.address, "failed sign-in");
        return Err(SignInError::Mismatch);
    };
    store.release_login_attempt(&[&address], &[&account], attempt.now).await?;
    let token = secrets::new_token("").map_err(SignInError::Secret)?;
    let csrf = secrets::random_hex(32).map_err(SignInError::Secret)?;
    let expires_at = attempt.now + attempt.lasts;
    store.create_session(user.id, &secrets::token_hash(&token), &csrf, attempt.now, expires_at).await?;
    tracing::info!(user = ?user.email.as_str(), address = %attempt.address, "signed in");
    Ok(SignedIn { user, token, csrf, expires_at })
}

/// An Argon2id hash of a random password nobody knows, verified against when the account
/// does not exist, so that a wrong e-mail address takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    secrets::new_password().ok().and_then(|p| secrets::hash_password(&p).ok()).unwrap_or_default()
});

/// How often expired sessions and old failures are deleted.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Deletes the sessions expired at `now` and the failures older than the throttle's window;
/// answers how many of each.
///
/// # Errors
/// A store failure.
pub async fn prune(store: &dyn Store, now: Timestamp) -> Result<(u64, u64), StoreError> {
    store.prune_sign_ins(now, now - throttle::WINDOW).await
}

/// The background loop: [`prune`] at start and every [`PRUNE_EVERY`] until `stop`.
pub(crate) async fn run_pruning(
    store: std::sync::Arc<dyn Store>,
    clock: crate::Clock,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut ticker = crate::worker::ticker(PRUNE_EVERY);
    while crate::worker::tick(&mut ticker, &stop).await {
        match prune(store.as_ref(), clock.now()).await {
            Ok((0, 0)) => {}
            Ok((sessions, failures)) => tracing::info!(sessions, failures, "expired sign-ins pruned"),
            Err(e) => tracing::warn!(error = %e, "expired sign-ins could not be pruned"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_store::{Location, SqlStore};
    use std::sync::{Arc, Mutex};

    /// Where the test's log lines go.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_newline_in_the_email_cannot_forge_a_log_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        let captured = Captured::default();
        let writer = captured.clone();
        // The binary's own format: one event per line.
        let subscriber =
            tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        let _logging = tracing::subscriber::set_default(subscriber);
        let attempt = Attempt {
            email: "x@news.example\n2025-02-27T10:00:00Z  INFO dateline: signed in user=admin@news.example",
            password: "whatever it is",
            address: "192.0.2.1",
            now: "2025-02-27T10:00:00Z".parse().unwrap(),
            lasts: SignedDuration::from_hours(1),
        };
        let refused = sign_in(&store, &Passwords::new(1), &attempt).await;
        assert!(matches!(refused, Err(SignInError::Mismatch)), "{refused:?}");
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> =
            logged.lines().filter(|l| l.contains("sign-in") || l.contains("signed in")).collect();
        assert_eq!(lines.len(), 1, "{logged}");
        assert!(
            lines[0].contains("failed sign-in") && lines[0].contains(r"x@news.example\n2025"),
            "{logged}"
        );
    }

    #[tokio::test]
    async fn the_background_loop_prunes_expired_sessions_and_old_failures() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap());
        let now: Timestamp = "2025-02-27T10:00:00Z".parse().unwrap();
        let user = store
            .create_user(
                &dateline_core::account::NewUser {
                    email: dateline_core::account::Email::parse("pruned@news.example").unwrap(),
                    name: "Pruned".into(),
                    role: dateline_core::account::Role::Editor,
                    password_hash: "x".into(),
                    author: None,
                },
                now,
            )
            .await
            .unwrap();
        let day = SignedDuration::from_hours(24);
        store.create_session(user.id, "expired", "c", now - day - day, now - day).await.unwrap();
        store.create_session(user.id, "live", "c", now, now + day).await.unwrap();
        let subjects = [("user:pruned@news.example", throttle::ACCOUNT)];
        store.reserve_login_attempt(&subjects, now - day).await.unwrap();

        let stop = tokio_util::sync::CancellationToken::new();
        let looping = tokio::spawn(run_pruning(store.clone(), crate::Clock::Fixed(now), stop.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        stop.cancel();
        looping.await.unwrap();

        // What the loop pruned is gone: pruning again finds nothing; the live session stays.
        assert_eq!(prune(store.as_ref(), now).await.unwrap(), (0, 0));
        let live = store.user_sessions(user.id, now).await.unwrap();
        assert_eq!(live.iter().map(|s| s.token_hash.as_str()).collect::<Vec<_>>(), ["live"]);
    }
}
