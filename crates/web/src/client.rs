//! Who is on the other end: the client's address and whether it reached the site over
//! HTTPS, the one place that decides both. Sign-in throttling counts failures by this
//! address, cookies get `Secure` and responses HSTS by this scheme.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the connection comes
//! from a trusted proxy (`[http] trusted_proxies` in `dateline.toml`); anyone else could
//! write them. Then the client is the right-most address of `X-Forwarded-For` that is not
//! itself a trusted proxy (addresses to its left were written by the client and prove
//! nothing), and the scheme is the right-most `X-Forwarded-Proto`, written by the nearest
//! proxy. The site also counts as HTTPS when its base URL is `https://`.

use crate::public::SiteContext;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads addresses ("127.0.0.1", "::1") and networks ("10.0.0.0/8").
    ///
    /// # Errors
    /// The first entry that is neither, quoted in a sentence for the operator.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                    format!(
                        "[http] trusted_proxies: {entry:?} is not an IP address or network \
                             (such as \"127.0.0.1\" or \"10.0.0.0/8\")"
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }
}

/// The client's address and scheme, as [`TrustedProxies`] allow them to be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// `None` when the request did not come over a socket (tests driving the router).
    pub address: Option<IpAddr>,
    /// The request reached the site over HTTPS, by a trusted proxy's word.
    pub forwarded_https: bool,
}

impl ClientInfo {
    /// Reads the client from the connection's `peer` and the request's headers.
    pub fn read(proxies: &TrustedProxies, peer: Option<IpAddr>, headers: &HeaderMap) -> Self {
        let peer = peer.map(|p| p.to_canonical());
        let Some(proxy) = peer.filter(|p| proxies.trusts(*p)) else {
            return Self { address: peer, forwarded_https: false };
        };
        let values = |name: &str| -> Vec<String> {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_owned())
                .collect()
        };
        let mut address = proxy;
        for hop in values("x-forwarded-for").iter().rev() {
            // An entry that is no address ends the chain we can believe.
            let Ok(hop) = hop.parse::<IpAddr>() else { break };
            address = hop.to_canonical();
            if !proxies.trusts(address) {
                break;
            }
        }
        let forwarded_https =
            values("x-forwarded-proto").last().is_some_and(|p| p.eq_ignore_ascii_case("https"));
        Self { address: Some(address), forwarded_https }
    }

    /// The address as text for throttling and logs; "unknown" without one.
    pub fn address_text(&self) -> String {
        self.address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
    }

    /// Whether the request counts as HTTPS: a trusted proxy says so, or the site's base URL
    /// is `https://`.
    pub async fn https(&self, state: &AppState) -> bool {
        self.forwarded_https
            || SiteContext::load(state).await.is_ok_and(|ctx| ctx.settings.base_url.starts_with("https://"))
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(Self::read(&state.trusted_proxies, peer, &parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(err.contains("\"proxy.local\" is not an IP address"), "{err}");
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]).is_ok());
    }

    #[test]
    fn forwarded_headers_are_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "127.0.0.1"]).unwrap();
        let forged = headers(&[("x-forwarded-for", "198.51.100.7"), ("x-forwarded-proto", "https")]);
        let stranger = ClientInfo::read(&proxies, Some("203.0.113.9".parse().unwrap()), &forged);
        assert_eq!(
            stranger,
            ClientInfo { address: Some("203.0.113.9".parse().unwrap()), forwarded_https: false }
        );

        // The client wrote the left-most entry itself; the proxies appended the rest.
        let chain = headers(&[
            ("x-forwarded-for", "1.2.3.4, 198.51.100.7"),
            ("x-forwarded-for", "10.1.1.1"),
            ("x-forwarded-proto", "http, https"),
        ]);
        let behind = ClientInfo::read(&proxies, Some("127.0.0.1".parse().unwrap()), &chain);
        assert_eq!(
            behind,
            ClientInfo { address: Some("198.51.100.7".parse().unwrap()), forwarded_https: true }
        );

        let mapped = ClientInfo::read(&proxies, Some("::ffff:127.0.0.1".parse().unwrap()), &forged);
        assert_eq!(mapped.address, Some("198.51.100.7".parse().unwrap()), "IPv4 peers arrive mapped");
        let none = ClientInfo::read(&proxies, Some("10.0.0.2".parse().unwrap()), &HeaderMap::new());
        assert_eq!(none.address, Some("10.0.0.2".parse().unwrap()));
        let garbage = ClientInfo::read(
            &proxies,
            Some("10.0.0.2".parse().unwrap()),
            &headers(&[("x-forwarded-for", "nonsense")]),
        );
        assert_eq!(garbage.address, Some("10.0.0.2".parse().unwrap()));
    }
}
