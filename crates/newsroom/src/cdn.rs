//! The CDN purge hook: a CDN in front of the site keeps pages by the surrogate keys the
//! page cache answers them with (`Surrogate-Key`, `Cache-Tag`: `dateline-web`'s
//! `page_cache`), and every change to what the public sees is purged from it by exactly the
//! keys it touched, through the purge API configured in `[cdn]` of `dateline.toml`:
//!
//! - Fastly: `POST {endpoint}/service/{service_id}/purge` with `Surrogate-Key: k1 k2` and
//!   `Fastly-Key: {token}` (at most 256 keys); everything: `POST .../purge_all`.
//! - Cloudflare: `POST {endpoint}/zones/{zone_id}/purge_cache` with `Authorization: Bearer
//!   {token}` and `{"tags": [...]}` (at most 30); everything: `{"purge_everything": true}`.
//! - Varnish (the `xkey` vmod): `PURGE {endpoint}` with `xkey-purge: k1 k2` (at most 256);
//!   everything is the key `site`, which every kept page carries.
//! - Any other HTTP receiver: `POST {endpoint}` with `{"keys": [...]}`; everything:
//!   `{"all": true}`; `Authorization: Bearer {token}` when a token is set.
//!
//! A batch with more keys than the provider takes in one call purges everything instead.
//! Every request carries `X-Dateline-Purge: {id}`, the same on every attempt.
//!
//! The [`Purger`] follows the change log as the page cache does (a [`Follower`] run by the
//! newsroom's workers when a change is announced and on a timer): each time, the rows no
//! purge covers yet become one purge (`Store::queue_cdn_purge`, which covers each row once
//! whichever node reads it), and due purges are claimed for a lease and sent; a failed one
//! is tried again after 1 s, 2 s, 4 s ... up to an hour, [`MAX_ATTEMPTS`] times in all, like
//! a webhook delivery (`crate::webhooks::backoff`). Every attempt is in the purge log the
//! admin shows. Requests go through the egress policy (`crate::egress`): a Varnish on the
//! newsroom's own network must be allowed in `[egress] allow`.

use crate::Clock;
use crate::egress::{self, Egress};
use crate::worker::Follower;
use dateline_core::ChangeKey;
use dateline_store::{CdnPurge, Store};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a purge is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long the purge API may take to answer: shorter than the workers' shutdown grace,
/// so a stop never waits on a purge for long.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Purges sent at once at most.
const AT_ONCE: u32 = 8;
/// How long a claimed purge is another node's to leave alone.
const LEASE_SECS: i64 = 30;

/// Which purge API the hook calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    Fastly {
        service_id: String,
    },
    Cloudflare {
        zone_id: String,
    },
    /// Varnish with the `xkey` vmod.
    Varnish,
    /// Any receiver of `{"keys": [...]}`.
    Http,
}

impl Provider {
    /// As `[cdn] purge` names it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Fastly { .. } => "fastly",
            Self::Cloudflare { .. } => "cloudflare",
            Self::Varnish => "varnish",
            Self::Http => "http",
        }
    }

    /// The most keys one call may name; more purge everything.
    pub fn max_keys(&self) -> usize {
        match self {
            Self::Fastly { .. } | Self::Varnish => 256,
            Self::Cloudflare { .. } => 30,
            Self::Http => 10_000,
        }
    }
}

/// The purge hook's settings (`[cdn]` in `dateline.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub provider: Provider,
    /// The API's base address (Fastly, Cloudflare), or the address purges are sent to
    /// (Varnish, HTTP).
    pub endpoint: String,
    /// Fastly's API token, Cloudflare's API token, or a bearer token for the others.
    pub token: Option<String>,
}

/// What is wrong with `[cdn]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[cdn] {0}")]
pub struct ConfigError(pub String);

/// `[cdn]` as written, before it is checked ([`Settings::from_config`]).
#[derive(Debug, Clone, Default)]
pub struct Config<'a> {
    pub purge: Option<&'a str>,
    pub endpoint: Option<&'a str>,
    pub service_id: Option<&'a str>,
    pub zone_id: Option<&'a str>,
    pub token: Option<&'a str>,
}

impl Settings {
    /// The default API address of `provider`, if it has one.
    pub fn default_endpoint(purge: &str) -> Option<&'static str> {
        match purge {
            "fastly" => Some("https://api.fastly.com"),
            "cloudflare" => Some("https://api.cloudflare.com/client/v4"),
            _ => None,
        }
    }

    /// Checks `[cdn]`: `None` when no `purge` is set (no purges are sent).
    ///
    /// # Errors
    /// [`ConfigError`] naming what is missing or wrong: an unknown `purge`, no endpoint for
    /// Varnish or HTTP, an endpoint that is not http(s), Fastly without `service_id` or
    /// `token`, Cloudflare without `zone_id` or `token`.
    pub fn from_config(config: &Config<'_>) -> Result<Option<Self>, ConfigError> {
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let Some(purge) = given(config.purge) else {
            let others = [config.endpoint, config.service_id, config.zone_id, config.token];
            if others.iter().any(|v| given(*v).is_some()) {
                return Err(ConfigError(
                    "has settings but no `purge` (fastly, cloudflare, varnish or http)".into(),
                ));
            }
            return Ok(None);
        };
        let token = given(config.token);
        let need = |what: Option<String>, key: &str| {
            what.ok_or_else(|| ConfigError(format!("purge = \"{purge}\" needs `{key}`")))
        };
        let provider = match purge.as_str() {
            "fastly" => {
                need(token.clone(), "token")?;
                Provider::Fastly { service_id: need(given(config.service_id), "service_id")? }
            }
            "cloudflare" => {
                need(token.clone(), "token")?;
                Provider::Cloudflare { zone_id: need(given(config.zone_id), "zone_id")? }
            }
            "varnish" => Provider::Varnish,
            "http" => Provider::Http,
            other => {
                return Err(ConfigError(format!(
                    "purge = {other:?} is not one of \"fastly\", \"cloudflare\", \"varnish\", \"http\""
                )));
            }
        };
        let endpoint = match given(config.endpoint) {
            Some(e) => e,
            None => need(Self::default_endpoint(&purge).map(str::to_owned), "endpoint")?,
        };
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
            || reqwest::Url::parse(&endpoint).is_err()
        {
            return Err(ConfigError(format!("endpoint {endpoint:?} is not an http:// or https:// address")));
        }
        Ok(Some(Self { provider, endpoint: endpoint.trim_end_matches('/').to_owned(), token }))
    }

    /// Whether `egress` lets the endpoint be reached, as far as can be told before a
    /// request (an address is checked now, a name when it is resolved).
    ///
    /// # Errors
    /// [`StartError::Refused`].
    pub fn check(&self, egress: &Egress) -> Result<(), StartError> {
        match egress.check(&self.endpoint) {
            Ok(_) => Ok(()),
            Err(_) => Err(StartError::Refused(self.endpoint.clone())),
        }
    }

    /// The request that purges `purge`: method, address, headers and body.
    pub fn request(&self, purge: &CdnPurge) -> PurgeRequest {
        let everything = purge.everything() || purge.keys.len() > self.provider.max_keys();
        let keys: Vec<String> = purge.keys.iter().map(ToString::to_string).collect();
        let mut headers = vec![("x-dateline-purge", purge.id.to_string())];
        let bearer = |headers: &mut Vec<(&'static str, String)>| {
            if let Some(token) = &self.token {
                headers.push(("authorization", format!("Bearer {token}")));
            }
        };
        let json = |headers: &mut Vec<(&'static str, String)>, body: serde_json::Value| {
            headers.push(("content-type", "application/json".into()));
            Some(body.to_string())
        };
        let base = &self.endpoint;
        let (method, url, body) = match &self.provider {
            Provider::Fastly { service_id } => {
                headers.push(("fastly-key", self.token.clone().unwrap_or_default()));
                headers.push(("accept", "application/json".into()));
                if everything {
                    (reqwest::Method::POST, format!("{base}/service/{service_id}/purge_all"), None)
                } else {
                    headers.push(("surrogate-key", keys.join(" ")));
                    (reqwest::Method::POST, format!("{base}/service/{service_id}/purge"), None)
                }
            }
            Provider::Cloudflare { zone_id } => {
                bearer(&mut headers);
                let body = if everything {
                    serde_json::json!({ "purge_everything": true })
                } else {
                    serde_json::json!({ "tags": keys })
                };
                (
                    reqwest::Method::POST,
                    format!("{base}/zones/{zone_id}/purge_cache"),
                    json(&mut headers, body),
                )
            }
            Provider::Varnish => {
                bearer(&mut headers);
                let keys = if everything { ChangeKey::Site.to_string() } else { keys.join(" ") };
                headers.push(("xkey-purge", keys));
                let method = reqwest::Method::from_bytes(b"PURGE").unwrap_or(reqwest::Method::POST);
                (method, base.clone(), None)
            }
            Provider::Http => {
                bearer(&mut headers);
                let body = if everything {
                    serde_json::json!({ "all": true })
                } else {
                    serde_json::json!({ "keys": keys })
                };
                (reqwest::Method::POST, base.clone(), json(&mut headers, body))
            }
        };
        PurgeRequest { method, url, headers, body }
    }
}

/// One purge as an HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRequest {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

/// The purge hook: follows the change log into purges and sends them. Cheap to clone.
#[derive(Clone)]
pub struct Purger(Arc<Inner>);

struct Inner {
    settings: Settings,
    client: egress::Client,
    clock: Clock,
}

/// Why the purge hook cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("[cdn] endpoint {0:?} is refused by the egress policy; list it in [egress] allow")]
    Refused(String),
    #[error("the CDN purge client could not start: {0}")]
    Client(#[from] reqwest::Error),
}

impl Purger {
    /// A purger sending through `egress`.
    ///
    /// # Errors
    /// [`StartError::Refused`] when the endpoint names an address `egress` refuses (a name
    /// is checked when it is resolved); the client could not be made.
    pub fn new(settings: Settings, clock: Clock, egress: &Egress) -> Result<Self, StartError> {
        settings.check(egress)?;
        let options = egress::Options { timeout: TIMEOUT, max_redirects: 0, user_agent: "Dateline-Purge/1" };
        let client = egress.client(&options)?;
        Ok(Self(Arc::new(Inner { settings, client, clock })))
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// Queues a purge for the changes no purge covers yet, then sends the due purges.
    pub async fn run_once(&self, store: &dyn Store) {
        let now = self.0.clock.now();
        match store.queue_cdn_purge(now).await {
            Ok(Some(purge)) => {
                tracing::debug!(purge = purge.id, keys = %ChangeKey::join(&purge.keys), "CDN purge queued")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not queue a CDN purge"),
        }
        let due = match store.claim_cdn_purges(now, AT_ONCE, LEASE_SECS).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the CDN purge queue");
                return;
            }
        };
        futures_util::future::join_all(due.into_iter().map(|purge| self.send(store, purge))).await;
    }

    /// Sends one purge and records the outcome.
    async fn send(&self, store: &dyn Store, purge: CdnPurge) {
        let request = self.0.settings.request(&purge);
        let result = match self.0.client.request(request.method.clone(), &request.url) {
            Ok(mut builder) => {
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                if let Some(body) = request.body {
                    builder = builder.body(body);
                }
                match builder.send().await {
                    Ok(response) => Ok(answer(&self.0.settings.provider, response).await),
                    Err(e) => Err(egress::describe(&e)),
                }
            }
            Err(denied) => Err(denied.to_string()),
        };
        let (ok, code, error) = match result {
            Ok((code, None)) => (true, Some(code), None),
            Ok((code, Some(why))) => (false, Some(code), Some(why)),
            Err(e) => (false, None, Some(e)),
        };
        let now = self.0.clock.now();
        let attempts = purge.attempts + 1;
        let retry_at =
            (!ok && attempts < MAX_ATTEMPTS).then(|| now + crate::webhooks::backoff(purge.attempts));
        if let Some(e) = &error {
            if retry_at.is_some() {
                tracing::warn!(purge = purge.id, attempts, error = %e, "CDN purge failed; it is tried again");
            } else {
                tracing::error!(purge = purge.id, attempts, error = %e, "CDN purge failed for good");
            }
        }
        if let Err(e) =
            store.record_cdn_purge_attempt(purge.id, now, ok, code, error.as_deref(), retry_at).await
        {
            tracing::error!(purge = purge.id, error = %e, "could not record a CDN purge attempt");
        }
    }
}

/// The status of the API's answer, and why it is a failure if it is one: not 2xx, or
/// Cloudflare's `"success": false`.
async fn answer(provider: &Provider, response: reqwest::Response) -> (i64, Option<String>) {
    let status = response.status();
    let code = i64::from(status.as_u16());
    if !status.is_success() {
        return (code, Some(format!("the CDN answered {status}")));
    }
    if matches!(provider, Provider::Cloudflare { .. }) {
        let bytes = response.bytes().await.unwrap_or_default();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        if body["success"] == serde_json::Value::Bool(false) {
            return (code, Some(format!("Cloudflare refused the purge: {}", body["errors"])));
        }
    }
    (code, None)
}

/// The purger follows the change log with the page cache and the search index.
impl Follower for Purger {
    fn follow<'a>(&'a self, store: &'a dyn Store) -> BoxFuture<'a, ()> {
        Box::pin(self.run_once(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config<'a>(purge: &'a str, endpoint: Option<&'a str>) -> Config<'a> {
        Config { purge: Some(purge), endpoint, ..Config::default() }
    }

    #[test]
    fn the_config_names_what_is_missing() {
        assert_eq!(Settings::from_config(&Config::default()), Ok(None));
        let e = Settings::from_config(&Config { token: Some("t"), ..Config::default() }).unwrap_err();
        assert!(e.to_string().contains("no `purge`"), "{e}");
        let e = Settings::from_config(&config("akamai", None)).unwrap_err();
        assert!(e.to_string().contains("\"akamai\" is not one of"), "{e}");
        let e = Settings::from_config(&config("varnish", None)).unwrap_err();
        assert_eq!(e.to_string(), "[cdn] purge = \"varnish\" needs `endpoint`");
        let e = Settings::from_config(&config("fastly", None)).unwrap_err();
        assert_eq!(e.to_string(), "[cdn] purge = \"fastly\" needs `token`");
        let e =
            Settings::from_config(&Config { token: Some("t"), ..config("cloudflare", None) }).unwrap_err();
        assert_eq!(e.to_string(), "[cdn] purge = \"cloudflare\" needs `zone_id`");
        let e = Settings::from_config(&config("http", Some("ftp://x"))).unwrap_err();
        assert!(e.to_string().contains("not an http:// or https:// address"), "{e}");
        let fastly = Settings::from_config(&Config {
            service_id: Some("SVC"),
            token: Some("tok"),
            ..config("fastly", None)
        })
        .unwrap()
        .unwrap();
        assert_eq!(fastly.endpoint, "https://api.fastly.com");
        assert_eq!(fastly.provider, Provider::Fastly { service_id: "SVC".into() });
        let http =
            Settings::from_config(&config("http", Some("http://10.0.0.5:8080/purge/"))).unwrap().unwrap();
        assert_eq!((http.endpoint.as_str(), http.token), ("http://10.0.0.5:8080/purge", None));
    }
}
