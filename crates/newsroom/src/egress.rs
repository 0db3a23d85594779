//! The one egress policy: every request the server makes to the outside (polled feeds,
//! webhook deliveries, wire pictures, importers to come) goes through an [`Egress`] client,
//! so that an address written by an editor or an agency cannot reach the newsroom's own
//! network (loopback, private ranges, cloud metadata at 169.254.169.254...).
//!
//! Only public addresses are reached, checked where the address becomes known: a literal IP
//! in the URL before the request ([`Client::request`]), a name when it is resolved (a
//! filtering resolver handed to reqwest, so the address checked is the address connected
//! to), and every redirect hop again. IPv6 forms that carry an IPv4 address (mapped, NAT64,
//! 6to4) are judged by that address. Exceptions are listed in `dateline.toml`
//! (`[egress] allow`): networks, single addresses and host names, for an agency on a private
//! network. A refused request never connects, and fails with the same words whatever is
//! behind the address, "refused: not a public address", so nothing tells an open port from
//! a closed one; on an allowed address a failed connection is only "could not connect".
//!
//! Name resolution is a [`Lookup`], the system's by default, replaceable
//! ([`Egress::with_lookup`]) so that tests can make a name resolve where they want.

use futures_util::future::BoxFuture;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// What a refused request says, whatever the address and whether anything listens there.
pub const REFUSED: &str = "refused: not a public address";

/// The error of a refused address, as the resolver and the redirect policy give it to
/// reqwest (found again in the error's causes by [`describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refused: not a public address")]
pub struct Refused;

/// Why a request was not even started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("only http and https addresses are fetched")]
    NotWeb,
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// A bad entry in `[egress] allow`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{entry:?} is not {why}; use an address (\"10.20.0.5\"), a network (\"10.20.0.0/16\") or a host name (\"wire.agency.internal\")"
)]
pub struct AllowError {
    pub entry: String,
    pub why: String,
}

/// Resolves a host name to addresses; the system's resolver unless a test gives another.
pub trait Lookup: Send + Sync + 'static {
    /// The addresses of `host`.
    ///
    /// # Errors
    /// When the name cannot be resolved.
    fn lookup<'a>(&'a self, host: &'a str) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver.
struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup<'a>(&'a self, host: &'a str) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect()) })
    }
}

/// The egress policy: public addresses, plus what the allow-list admits. Cheap to clone.
#[derive(Clone)]
pub struct Egress(Arc<Policy>);

struct Policy {
    networks: Vec<Network>,
    /// Lower case, without a trailing dot.
    hosts: Vec<String>,
    lookup: Arc<dyn Lookup>,
}

impl Default for Egress {
    fn default() -> Self {
        Self::public_only()
    }
}

impl std::fmt::Debug for Egress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Egress").field("networks", &self.0.networks).field("hosts", &self.0.hosts).finish()
    }
}

impl Egress {
    /// Public addresses only, names resolved by the system.
    pub fn public_only() -> Self {
        Self(Arc::new(Policy { networks: Vec::new(), hosts: Vec::new(), lookup: Arc::new(SystemLookup) }))
    }

    /// Public addresses and the `allow` entries of `dateline.toml`: networks ("10.20.0.0/16",
    /// "fd00::/8"), single addresses ("127.0.0.1", "::1") and host names
    /// ("wire.agency.internal", which may then resolve anywhere).
    ///
    /// # Errors
    /// [`AllowError`] for the first entry that is none of these.
    pub fn allowing<S: AsRef<str>>(allow: &[S]) -> Result<Self, AllowError> {
        let mut networks = Vec::new();
        let mut hosts = Vec::new();
        for entry in allow {
            match parse_entry(entry.as_ref())? {
                Entry::Network(n) => networks.push(n),
                Entry::Host(h) => hosts.push(h),
            }
        }
        Ok(Self(Arc::new(Policy { networks, hosts, lookup: Arc::new(SystemLookup) })))
    }

    /// The same policy resolving names with `lookup` (a test's resolver).
    #[must_use]
    pub fn with_lookup(self, lookup: Arc<dyn Lookup>) -> Self {
        let Policy { networks, hosts, .. } = &*self.0;
        Self(Arc::new(Policy { networks: networks.clone(), hosts: hosts.clone(), lookup }))
    }

    /// Whether a connection to `ip` is admitted: a public address or an allowed one.
    pub fn admits(&self, ip: IpAddr) -> bool {
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        is_public(ip) || [Some(ip), mapped].into_iter().flatten().any(|ip| self.allowed_ip(ip))
    }

    fn allowed_ip(&self, ip: IpAddr) -> bool {
        self.0.networks.iter().any(|n| n.contains(ip))
    }

    fn allowed_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.0.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Checks what can be checked of `url` before a request: an http(s) address, and, when
    /// it names an IP address, an admitted one (names are checked when resolved).
    ///
    /// # Errors
    /// [`Denied::NotWeb`] for an address that is not http(s); [`Denied::Refused`].
    pub fn check(&self, url: &str) -> Result<reqwest::Url, Denied> {
        let parsed = reqwest::Url::parse(url.trim()).map_err(|_| Denied::NotWeb)?;
        self.check_url(&parsed)?;
        Ok(parsed)
    }

    /// For a service saving an address an editor typed (a webhook, a polled feed): the
    /// field's error when `url` names an IP address this policy refuses. Names are only
    /// checked when fetched (what they resolve to can change), which is the check that holds.
    pub fn refusal(&self, field: &'static str, url: &str) -> Option<dateline_core::FieldError> {
        matches!(self.check(url), Err(Denied::Refused(_))).then(|| {
            dateline_core::FieldError::new(
                field,
                format!("{REFUSED}; a private network is reached only when [egress] allow in dateline.toml lists it"),
            )
        })
    }

    fn check_url(&self, url: &reqwest::Url) -> Result<(), Denied> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Denied::NotWeb);
        }
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(Denied::NotWeb),
        };
        if self.admits(ip) { Ok(()) } else { Err(Refused.into()) }
    }

    /// An HTTP client held to this policy: every request made through it (and every
    /// redirect) reaches admitted addresses only, and no proxy from the environment.
    ///
    /// # Errors
    /// When reqwest cannot make the client (no TLS roots).
    pub fn client(&self, options: &Options) -> reqwest::Result<Client> {
        let max = options.max_redirects;
        let policy = self.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max {
                attempt.error(format!("more than {max} redirects"))
            } else {
                match policy.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(Denied::NotWeb) => {
                        attempt.error("redirected to an address that is not http or https")
                    }
                    Err(Denied::Refused(r)) => attempt.error(r),
                }
            }
        });
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            // Shorter than the whole request, so an address that never answers fails
            // connecting, as a closed port does.
            .connect_timeout((options.timeout / 2).min(Duration::from_secs(10)))
            .redirect(redirects)
            .no_proxy()
            .dns_resolver(Screened(self.clone()))
            .user_agent(options.user_agent)
            .build()?;
        Ok(Client { http, egress: self.clone() })
    }
}

/// How a client made by [`Egress::client`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest a request may take, body included.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    pub user_agent: &'static str,
}

/// An HTTP client held to an [`Egress`] policy; cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    egress: Egress,
}

impl Client {
    /// A request to `url` after checking it ([`Egress::check`]).
    ///
    /// # Errors
    /// [`Denied`] when the address is not http(s) or names a refused IP address.
    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, Denied> {
        let url = self.egress.check(url)?;
        Ok(self.http.request(method, url))
    }
}

/// The resolver handed to reqwest: a name's admitted addresses only, all of them for an
/// allowed host name; none admitted is [`Refused`].
struct Screened(Egress);

impl reqwest::dns::Resolve for Screened {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let egress = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = egress.0.lookup.lookup(&host).await?;
            let any = egress.allowed_host(&host);
            let admitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|ip| any || egress.admits(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if admitted.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(admitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// What a failed request is recorded as (poll errors, the delivery log, picture logs):
/// [`REFUSED`] for a refused address wherever it was found, "could not connect" for any
/// failure to connect (closed, filtered, unreachable alike), "no answer in time", or the
/// error with its causes.
pub fn describe(e: &reqwest::Error) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<Refused>().is_some() {
            return REFUSED.to_owned();
        }
        cause = c.source();
    }
    if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_timeout() {
        "no answer in time".to_owned()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(c) = source {
            text.push_str(": ");
            text.push_str(&c.to_string());
            source = c.source();
        }
        text
    }
}

/// Whether an address is on the public internet. IPv4: not "this network" 0/8, private
/// (10/8, 172.16/12, 192.168/16), shared CGNAT 100.64/10, loopback 127/8, link-local
/// 169.254/16 (cloud metadata), IETF protocol assignments 192.0.0/24, documentation
/// (192.0.2/24, 198.51.100/24, 203.0.113/24), the 6to4 relay 192.88.99/24, benchmarking
/// 198.18/15, multicast 224/4, reserved 240/4 and broadcast. IPv6: global unicast
/// (2000::/3) only, less the IETF special block 2001::/23 (Teredo 2001::/32, benchmarking,
/// ORCHID), documentation 2001:db8::/32 and 3fff::/20; IPv4-mapped ::ffff:0:0/96, NAT64
/// 64:ff9b::/96 and 6to4 2002::/16 are judged by the IPv4 address they carry, and the
/// local NAT64 64:ff9b:1::/48 is refused (as are loopback, unspecified, ULA fc00::/7,
/// link-local fe80::/10, multicast and the deprecated IPv4-compatible ::/96, all outside
/// 2000::/3).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const NOT_PUBLIC: [([u8; 4], u8); 16] = [
        ([0, 0, 0, 0], 8),
        ([10, 0, 0, 0], 8),
        ([100, 64, 0, 0], 10),
        ([127, 0, 0, 0], 8),
        ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12),
        ([192, 0, 0, 0], 24),
        ([192, 0, 2, 0], 24),
        ([192, 88, 99, 0], 24),
        ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15),
        ([198, 51, 100, 0], 24),
        ([203, 0, 113, 0], 24),
        ([224, 0, 0, 0], 4),
        ([240, 0, 0, 0], 4),
        ([255, 255, 255, 255], 32),
    ];
    let bits = u32::from(ip);
    !NOT_PUBLIC.iter().any(|(net, len)| prefix_eq32(bits, u32::from_be_bytes(*net), *len))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    const MAPPED: Ipv6Addr = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0);
    const NAT64: Ipv6Addr = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0);
    const SIX_TO_FOUR: Ipv6Addr = Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0);
    const GLOBAL: Ipv6Addr = Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0);
    const NOT_PUBLIC: [(Ipv6Addr, u8); 3] = [
        (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
        (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
        (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
    ];
    let bits = u128::from(ip);
    let within = |net: Ipv6Addr, len: u8| prefix_eq128(bits, net.into(), len);
    // The IPv4 address carried in the low 32 bits, or in bits 16 to 48 for 6to4.
    let carried = |shift: u32| Ipv4Addr::from((bits >> shift) as u32);
    if within(MAPPED, 96) || within(NAT64, 96) {
        return is_public_v4(carried(0));
    }
    if within(SIX_TO_FOUR, 16) {
        return is_public_v4(carried(80));
    }
    within(GLOBAL, 3) && !NOT_PUBLIC.iter().any(|(net, len)| within(*net, *len))
}

fn prefix_eq32(a: u32, b: u32, len: u8) -> bool {
    len == 0 || (a ^ b) >> (32 - u32::from(len.min(32))) == 0
}

fn prefix_eq128(a: u128, b: u128, len: u8) -> bool {
    len == 0 || (a ^ b) >> (128 - u32::from(len.min(128))) == 0
}

/// A network of the allow-list (a single address is a network of one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Network {
    base: IpAddr,
    len: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq32(a.into(), n.into(), self.len),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq128(a.into(), n.into(), self.len),
            _ => false,
        }
    }
}

enum Entry {
    Network(Network),
    Host(String),
}

fn parse_entry(entry: &str) -> Result<Entry, AllowError> {
    let bad = |why: &str| AllowError { entry: entry.to_owned(), why: why.to_owned() };
    let text = entry.trim();
    if let Some((address, len)) = text.split_once('/') {
        let base: IpAddr =
            address.parse().map_err(|_| bad("a network: the part before / is not an IP address"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let len: u8 = len.parse().ok().filter(|l| *l <= max).ok_or_else(|| {
            bad(&format!("a network: the prefix length after / must be a number from 0 to {max}"))
        })?;
        let network = Network { base, len };
        let masked = match base {
            IpAddr::V4(b) => IpAddr::V4(Ipv4Addr::from(if len == 0 {
                0
            } else {
                u32::from(b) >> (32 - len) << (32 - len)
            })),
            IpAddr::V6(b) => IpAddr::V6(Ipv6Addr::from(if len == 0 {
                0
            } else {
                u128::from(b) >> (128 - len) << (128 - len)
            })),
        };
        if masked != base {
            return Err(bad(&format!(
                "a network: it has address bits set past /{len} (did you mean {masked}/{len}?)"
            )));
        }
        return Ok(Entry::Network(network));
    }
    if let Ok(ip) = text.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        let len = if ip.is_ipv4() { 32 } else { 128 };
        return Ok(Entry::Network(Network { base: ip, len }));
    }
    let host = text.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    let last_numeric = labels.last().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    if host.is_empty() || host.len() > 253 || !labels.iter().all(|l| label_ok(l)) || last_numeric {
        return Err(bad("an address, a network or a host name"));
    }
    Ok(Entry::Host(host))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn public(ip: &str) -> bool {
        is_public(ip.parse().unwrap())
    }

    #[test]
    fn every_special_ipv4_range_is_not_public() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.0.9",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.254",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip} must not be public");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.255.255",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "11.0.0.1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn every_special_ipv6_form_is_not_public() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "100::1",
            // IPv4 inside IPv6: judged by the IPv4 address.
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::c0a8:101",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:a9fe:a9fe::1",
            // Local NAT64, Teredo, the rest of the IETF block, documentation.
            "64:ff9b:1::808:808",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "3fff::1",
            "3fff:fff::1",
        ] {
            assert!(!public(ip), "{ip} must not be public");
        }
        for ip in [
            "2001:4860:4860::8888",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "2001:200::1",
            "3ffe::1",
            "3fff:1000::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn the_allow_list_admits_exactly_what_it_lists() {
        let egress =
            Egress::allowing(&["10.20.0.0/16", "127.0.0.1", "fd00:1::/32", "Wire.Agency.Internal."]).unwrap();
        let admits = |ip: &str| egress.admits(ip.parse().unwrap());
        assert!(admits("10.20.0.1") && admits("10.20.255.255"));
        assert!(!admits("10.21.0.1") && !admits("10.19.255.255"));
        assert!(admits("127.0.0.1") && admits("::ffff:127.0.0.1"));
        assert!(!admits("127.0.0.2") && !admits("::1") && !admits("169.254.169.254"));
        assert!(admits("fd00:1:ffff::1") && !admits("fd00:2::1"));
        assert!(admits("8.8.8.8"), "public addresses stay admitted");
        assert!(egress.allowed_host("wire.agency.internal") && egress.allowed_host("WIRE.agency.internal."));
        assert!(!egress.allowed_host("agency.internal") && !egress.allowed_host("evil.wire.agency.internal"));

        let strict = Egress::public_only();
        assert!(!strict.admits("127.0.0.1".parse().unwrap()));
        assert_eq!(strict.check("http://127.0.0.1:8080/feed"), Err(Denied::Refused(Refused)));
        assert_eq!(
            strict.check("http://2130706433/feed"),
            Err(Denied::Refused(Refused)),
            "127.0.0.1 as one number"
        );
        assert_eq!(strict.check("http://0x7f.1/feed"), Err(Denied::Refused(Refused)), "127.0.0.1 in hex");
        assert_eq!(strict.check("http://[::ffff:7f00:1]/"), Err(Denied::Refused(Refused)));
        assert_eq!(strict.check("ftp://example.com/"), Err(Denied::NotWeb));
        assert_eq!(strict.check("file:///etc/passwd"), Err(Denied::NotWeb));
        assert!(strict.check("https://wire.example.com/feed").is_ok(), "names are checked when resolved");
        assert!(egress.check("http://127.0.0.1:8080/feed").is_ok());
    }

    #[test]
    fn bad_allow_entries_are_refused_with_a_reason() {
        for (entry, says) in [
            ("10.0.0.0/33", "from 0 to 32"),
            ("fd00::/129", "from 0 to 128"),
            ("10.20.1.0/16", "did you mean 10.20.0.0/16"),
            ("10.0.0/8", "not an IP address"),
            ("10.0.0", "a host name"),
            ("", "a host name"),
            ("http://wire.example.com", "a host name"),
            ("wire agency", "a host name"),
            ("-bad.example", "a host name"),
        ] {
            let e = Egress::allowing(&[entry]).unwrap_err();
            assert_eq!(e.entry, entry);
            assert!(e.to_string().contains(says), "{entry}: {e}");
        }
        assert!(Egress::allowing(&["0.0.0.0/0"]).is_ok(), "everything, if an operator wants that");
        assert!(Egress::allowing(&["[::1]", "localhost"]).is_ok());
    }
}
