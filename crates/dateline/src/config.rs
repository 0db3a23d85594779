//! Configuration of the binary: command-line flags, `DATELINE_*` environment variables and
//! an optional `dateline.toml`, in that order of precedence. Unknown keys in the file are an
//! error, so a typo never silently falls back to a default.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the data lives; shared by every command that opens the database.
/// The data folder when none is given.
pub const DEFAULT_DATA: &str = "dateline-data";

#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// Folder of the embedded SQLite database [default: ./dateline-data].
    #[arg(long, env = "DATELINE_DATA")]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://...); when set, used instead of SQLite.
    #[arg(long, env = "DATELINE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Configuration file [default: ./dateline.toml when it exists].
    #[arg(long, env = "DATELINE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "DATELINE_LISTEN")]
    pub listen: Option<String>,
    /// Theme folder whose templates/ and assets/ override the built-in theme.
    #[arg(long, env = "DATELINE_THEME")]
    pub theme: Option<PathBuf>,
    /// Fill an empty database with demo content first; demo agencies then send wire copy
    /// to the wire desk over the first minutes.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: the demo wire's copy arrives this many times faster than real time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), requires = "demo")]
    pub demo_wire_speed: u32,
    /// With --demo: send no demo wire copy this time (the site's stories stay as they are).
    #[arg(long, requires = "demo", conflicts_with = "demo_wire_speed")]
    pub no_demo_wire: bool,
    /// Address to serve operators' metrics on (/metrics, Prometheus text format), e.g.
    /// 127.0.0.1:9090 [default: none, no metrics served].
    #[arg(long, env = "DATELINE_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The keys `dateline.toml` may hold. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on, e.g. "0.0.0.0:8080".
    pub listen: Option<String>,
    /// Folder of the SQLite database.
    pub data: Option<PathBuf>,
    /// PostgreSQL URL.
    pub database_url: Option<String>,
    /// Theme folder.
    pub theme: Option<PathBuf>,
    /// Where pictures are kept: `media/` in the data folder unless `s3_bucket` is set.
    #[serde(default)]
    pub media: MediaConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub egress: EgressConfig,
    #[serde(default)]
    pub wire: WireConfig,
    #[serde(default)]
    pub embeds: EmbedsConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub cdn: CdnConfig,
}

/// `[cdn]` in `dateline.toml`: the purge hook of a CDN in front of the site
/// (`dateline_newsroom::cdn`). The token comes from `DATELINE_CDN_TOKEN` when not in the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdnConfig {
    /// "fastly", "cloudflare", "varnish" (the xkey vmod) or "http" (a POST of the keys as
    /// JSON). None: no purges are sent.
    pub purge: Option<String>,
    /// The purge API's address: Fastly's and Cloudflare's by default; required for Varnish
    /// and HTTP. It must be allowed by the egress policy.
    pub endpoint: Option<String>,
    /// Fastly: the service whose cache is purged.
    pub service_id: Option<String>,
    /// Cloudflare: the zone whose cache is purged.
    pub zone_id: Option<String>,
    /// Fastly's or Cloudflare's API token (a bearer token for Varnish and HTTP, optional).
    pub token: Option<String>,
}

impl CdnConfig {
    /// The purge hook's settings; `None` when `purge` is not set.
    ///
    /// # Errors
    /// When a setting the provider needs is missing or wrong (the message names it).
    pub fn settings(&self) -> anyhow::Result<Option<dateline_newsroom::cdn::Settings>> {
        let token = self.token.clone().or_else(|| std::env::var("DATELINE_CDN_TOKEN").ok());
        let config = dateline_newsroom::cdn::Config {
            purge: self.purge.as_deref(),
            endpoint: self.endpoint.as_deref(),
            service_id: self.service_id.as_deref(),
            zone_id: self.zone_id.as_deref(),
            token: token.as_deref(),
        };
        Ok(dateline_newsroom::cdn::Settings::from_config(&config)?)
    }
}

/// `[metrics]` in `dateline.toml`: operators' metrics (`dateline_web::metrics`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Address `/metrics` is served on, in the Prometheus text format, apart from the public
    /// site (which never answers it), e.g. "127.0.0.1:9090". None: no metrics are served.
    pub listen: Option<String>,
}

/// `[http]` in `dateline.toml`: how the HTTP server treats connections and proxies.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds a client may take to send a request's headers [default: 10].
    pub header_timeout_secs: Option<u64>,
    /// Seconds a connection may stay silent while no request on it is answered [default: 60].
    pub idle_timeout_secs: Option<u64>,
    /// Connections served at once; more wait to be accepted [default: 4096]. Keep it under
    /// the process's open-file limit (`ulimit -n`).
    pub max_connections: Option<usize>,
    /// Addresses or networks ("10.0.0.0/8", "127.0.0.1") of reverse proxies whose
    /// `X-Forwarded-For` and `X-Forwarded-Proto` are believed. Empty: none are.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// `[egress]` in `dateline.toml`: what the server's own requests (feeds, webhooks, wire
/// pictures) may reach besides public addresses (`dateline_newsroom::egress`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressConfig {
    /// Private addresses, networks or host names allowed, e.g. an agency on a private
    /// network: ["10.20.0.0/16", "wire.agency.internal"].
    #[serde(default)]
    pub allow: Vec<String>,
}

/// `[wire]` in `dateline.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireConfig {
    /// The only folder under which drop folders may be; none may be set when absent.
    pub drop_root: Option<PathBuf>,
}

/// `[embeds]` in `dateline.toml`: how providers are asked about embed links in stories
/// (`dateline_newsroom::embeds`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbedsConfig {
    /// One oEmbed endpoint asked for every provider instead of each provider's own (an
    /// oEmbed proxy such as a self-hosted one); it must be allowed by the egress policy.
    pub oembed_endpoint: Option<String>,
    /// The Facebook app token (`app-id|client-token`) that Instagram's and Facebook's oEmbed
    /// endpoints want; without it their links' cards show no title or thumbnail.
    pub facebook_token: Option<String>,
}

impl EmbedsConfig {
    /// The asker's settings.
    pub fn settings(&self) -> dateline_newsroom::embeds::Settings {
        dateline_newsroom::embeds::Settings {
            endpoint: self.oembed_endpoint.clone().filter(|e| !e.trim().is_empty()),
            facebook_token: self.facebook_token.clone().filter(|t| !t.trim().is_empty()),
            ..dateline_newsroom::embeds::Settings::default()
        }
    }
}

/// `[media]` in `dateline.toml`: S3-compatible object storage for pictures. The keys come
/// from `DATELINE_S3_ACCESS_KEY_ID` and `DATELINE_S3_SECRET_ACCESS_KEY` when not in the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub s3_bucket: Option<String>,
    /// The server, e.g. "http://127.0.0.1:9000"; AWS when absent.
    pub s3_endpoint: Option<String>,
    #[serde(default)]
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint.
    #[serde(default)]
    pub s3_allow_http: bool,
}

/// The settings in force after flags, environment and file are merged.
#[derive(Debug)]
pub struct Settings {
    pub listen: String,
    pub data: PathBuf,
    pub database_url: Option<String>,
    pub theme: Option<PathBuf>,
    pub media: MediaConfig,
    pub http: HttpConfig,
    pub egress: EgressConfig,
    pub wire: WireConfig,
    pub embeds: EmbedsConfig,
    pub metrics: MetricsConfig,
    pub cdn: CdnConfig,
}

const DEFAULT_FILE: &str = "dateline.toml";

impl Settings {
    pub fn resolve(store: &StoreArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Self> {
        let file = match &store.config {
            Some(path) => load_file(path)?,
            None if Path::new(DEFAULT_FILE).exists() => load_file(Path::new(DEFAULT_FILE))?,
            None => FileConfig::default(),
        };
        Ok(Self {
            listen: serve
                .and_then(|s| s.listen.clone())
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            data: store.data.clone().or(file.data).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
            database_url: store.database_url.clone().or(file.database_url).filter(|u| !u.is_empty()),
            theme: serve.and_then(|s| s.theme.clone()).or(file.theme),
            media: file.media,
            http: file.http,
            egress: file.egress,
            wire: file.wire,
            embeds: file.embeds,
            metrics: MetricsConfig {
                listen: serve
                    .and_then(|s| s.metrics_listen.clone())
                    .or(file.metrics.listen)
                    .filter(|l| !l.trim().is_empty()),
            },
            cdn: file.cdn,
        })
    }

    /// The folder pictures are kept in, when they are kept on local disk (not in S3).
    pub fn local_media_dir(&self) -> Option<std::path::PathBuf> {
        self.media.s3_bucket.is_none().then(|| self.data.join("media"))
    }

    /// The picture storage: S3 when a bucket is configured, else `media/` in the data folder.
    ///
    /// # Errors
    /// When the folder cannot be made or the S3 settings are incomplete.
    pub fn media_storage(&self) -> anyhow::Result<dateline_media::MediaStorage> {
        let m = &self.media;
        let Some(bucket) = m.s3_bucket.clone() else {
            return Ok(dateline_media::MediaStorage::local(&self.data.join("media"))?);
        };
        let key = |file: &Option<String>, var: &str| {
            file.clone().or_else(|| std::env::var(var).ok()).with_context(|| {
                format!("[media] s3_bucket is set, so {var} (or the key in the file) must be too")
            })
        };
        let settings = dateline_media::S3Settings {
            bucket,
            endpoint: m.s3_endpoint.clone(),
            region: m.s3_region.clone().unwrap_or_else(|| "us-east-1".into()),
            access_key_id: key(&m.s3_access_key_id, "DATELINE_S3_ACCESS_KEY_ID")?,
            secret_access_key: key(&m.s3_secret_access_key, "DATELINE_S3_SECRET_ACCESS_KEY")?,
            allow_http: m.s3_allow_http,
        };
        Ok(dateline_media::MediaStorage::s3(&settings)?)
    }

    /// The HTTP server's limits: the `[http]` values, defaults for those not set.
    pub fn http_limits(&self) -> dateline_web::Limits {
        let default = dateline_web::Limits::default();
        let secs = std::time::Duration::from_secs;
        dateline_web::Limits {
            header_timeout: self.http.header_timeout_secs.map_or(default.header_timeout, secs),
            idle_timeout: self.http.idle_timeout_secs.map_or(default.idle_timeout, secs),
            max_connections: self.http.max_connections.unwrap_or(default.max_connections),
        }
    }

    /// The egress policy: public addresses plus `[egress] allow`.
    ///
    /// # Errors
    /// When an entry of `allow` is not an address, a network or a host name.
    pub fn egress(&self) -> anyhow::Result<dateline_newsroom::egress::Egress> {
        dateline_newsroom::egress::Egress::allowing(&self.egress.allow)
            .context("[egress] allow in the configuration has a bad entry")
    }

    /// Where the data is, for people (the password of a URL is hidden).
    pub fn describe_store(&self) -> String {
        match &self.database_url {
            Some(url) => match url.split_once('@') {
                Some((_, host)) => format!("PostgreSQL at {host}"),
                None => "PostgreSQL".to_owned(),
            },
            None => format!("SQLite in {}", self.data.display()),
        }
    }
}

fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid Dateline configuration", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<FileConfig>("listen = \"0.0.0.0:80\"\nlisten_port = 80\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `listen_port`"), "{err}");
    }

    #[test]
    fn flags_beat_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata = \"/srv/news\"\n").unwrap();
        let store = StoreArgs { data: Some("/tmp/flag".into()), database_url: None, config: Some(file) };
        let serve = ServeArgs {
            listen: None,
            theme: None,
            demo: false,
            demo_wire_speed: 1,
            no_demo_wire: false,
            metrics_listen: None,
            store: store.clone(),
        };
        let s = Settings::resolve(&store, Some(&serve)).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.data, PathBuf::from("/tmp/flag"));
        assert_eq!(s.metrics.listen, None, "no metrics unless asked for");
    }

    #[test]
    fn metrics_listen_comes_from_the_flag_or_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(&file, "[metrics]\nlisten = \"127.0.0.1:9090\"\n").unwrap();
        let store = StoreArgs { data: None, database_url: None, config: Some(file) };
        let mut serve = ServeArgs {
            listen: None,
            theme: None,
            demo: false,
            demo_wire_speed: 1,
            no_demo_wire: false,
            metrics_listen: None,
            store: store.clone(),
        };
        let s = Settings::resolve(&store, Some(&serve)).unwrap();
        assert_eq!(s.metrics.listen.as_deref(), Some("127.0.0.1:9090"));
        serve.metrics_listen = Some("127.0.0.1:9191".into());
        let s = Settings::resolve(&store, Some(&serve)).unwrap();
        assert_eq!(s.metrics.listen.as_deref(), Some("127.0.0.1:9191"));
        let err = toml::from_str::<FileConfig>("[metrics]\nport = 9090\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `port`"), "{err}");
    }

    #[test]
    fn the_cdn_table_names_its_provider_and_what_is_missing() {
        let read = |text: &str| toml::from_str::<FileConfig>(text).unwrap().cdn;
        assert_eq!(read("").settings().unwrap(), None);
        let fastly = read("[cdn]\npurge = \"fastly\"\nservice_id = \"SVC\"\ntoken = \"tok\"\n");
        let settings = fastly.settings().unwrap().unwrap();
        assert_eq!(settings.provider.name(), "fastly");
        assert_eq!(settings.endpoint, "https://api.fastly.com");
        let varnish = read("[cdn]\npurge = \"varnish\"\n");
        let e = varnish.settings().unwrap_err();
        assert_eq!(e.to_string(), "[cdn] purge = \"varnish\" needs `endpoint`");
        let err = toml::from_str::<FileConfig>("[cdn]\npurge = \"http\"\nurl = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `url`"), "{err}");
    }
}
