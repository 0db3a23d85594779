//! Embeds: a link on its own line to a video, post or sound on a known provider (YouTube,
//! Vimeo, X/Twitter, Instagram, Facebook, TikTok, SoundCloud) is shown on the story page as a
//! card that loads the provider's player only when a reader asks for it. This module
//! recognises such links in a stored (sanitised) body and derives each player's address;
//! feeds and ninjs keep the body, and so the plain link, as it is. What the provider says
//! about a link (its oEmbed title and thumbnail, [`Facts`]) is fetched once, when a story
//! showing it is saved (`dateline_newsroom::embeds`).

use std::ops::Range;

/// A provider whose player a story page may frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    YouTube,
    Vimeo,
    SoundCloud,
    X,
    Instagram,
    Facebook,
    TikTok,
}

impl Provider {
    /// The name readers know it by.
    pub fn name(self) -> &'static str {
        match self {
            Self::YouTube => "YouTube",
            Self::Vimeo => "Vimeo",
            Self::SoundCloud => "SoundCloud",
            Self::X => "X",
            Self::Instagram => "Instagram",
            Self::Facebook => "Facebook",
            Self::TikTok => "TikTok",
        }
    }

    /// The provider's oEmbed endpoint, asked for a link's title and thumbnail. Instagram's
    /// and Facebook's answer only with an app token (`[embeds] facebook_token`).
    pub fn oembed(self) -> &'static str {
        match self {
            Self::YouTube => "https://www.youtube.com/oembed",
            Self::Vimeo => "https://vimeo.com/api/oembed.json",
            Self::SoundCloud => "https://soundcloud.com/oembed",
            Self::X => "https://publish.twitter.com/oembed",
            Self::Instagram => "https://graph.facebook.com/v18.0/instagram_oembed",
            Self::Facebook => "https://graph.facebook.com/v18.0/oembed_post",
            Self::TikTok => "https://www.tiktok.com/oembed",
        }
    }

    /// Whether the endpoint wants an app token (`access_token`).
    pub fn needs_token(self) -> bool {
        matches!(self, Self::Instagram | Self::Facebook)
    }

    /// A lower-case word for class names.
    pub fn key(self) -> &'static str {
        match self {
            Self::YouTube => "youtube",
            Self::Vimeo => "vimeo",
            Self::SoundCloud => "soundcloud",
            Self::X => "x",
            Self::Instagram => "instagram",
            Self::Facebook => "facebook",
            Self::TikTok => "tiktok",
        }
    }
}

/// The origins whose frames a public page allows: the players [`recognise`] derives, and no
/// other (the Content-Security-Policy's `frame-src`).
pub const FRAME_ORIGINS: [&str; 7] = [
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://w.soundcloud.com",
    "https://platform.twitter.com",
    "https://www.instagram.com",
    "https://www.facebook.com",
    "https://www.tiktok.com",
];

/// A recognised provider link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub provider: Provider,
    /// The link as written (https), for the card and for readers without JavaScript.
    pub link: String,
    /// The provider's player, to frame on a reader's click.
    pub player: String,
}

/// What a provider said about a link (its oEmbed answer), kept so that it is asked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The link as [`Embed::link`] has it.
    pub link: String,
    /// The title of the video, post or sound (empty when the provider gave none).
    pub title: String,
    /// Who made it, as the provider names them (may be empty).
    pub author: String,
    /// The thumbnail, kept in the media library.
    pub thumbnail: Option<crate::MediaId>,
    /// Whether the provider answered; an unanswered link is asked again after
    /// [`RETRY_SECS`].
    pub found: bool,
    pub fetched_at: jiff::Timestamp,
}

/// How long after an unanswered ask a link is asked again (when a story showing it is
/// saved).
pub const RETRY_SECS: i64 = 24 * 60 * 60;

impl Facts {
    /// Whether the link is to be asked about (again) at `now`.
    pub fn stale(&self, now: jiff::Timestamp) -> bool {
        !self.found && now.as_second() - self.fetched_at.as_second() >= RETRY_SECS
    }
}

/// The address of `endpoint` (an oEmbed endpoint) asking about `link` as JSON, with
/// `token` as `access_token` when given.
pub fn oembed_request(endpoint: &str, link: &str, token: Option<&str>) -> String {
    let join = if endpoint.contains('?') { '&' } else { '?' };
    let mut url = format!("{endpoint}{join}format=json&maxwidth=640&url={}", encode(link));
    if let Some(token) = token {
        url.push_str(&format!("&access_token={}", encode(token)));
    }
    url
}

/// The embed `link` points at, if it is a known provider's video, post or sound.
pub fn recognise(link: &str) -> Option<Embed> {
    let url = ammonia::Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").or_else(|| host.strip_prefix("m.")).unwrap_or(&host);
    let segments: Vec<&str> =
        url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
    let query = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let (provider, player) = match (host, segments.as_slice()) {
        ("youtube.com", ["watch"]) => (Provider::YouTube, youtube(&query("v")?)?),
        ("youtube.com", ["shorts" | "live" | "embed", id]) | ("youtu.be", [id]) => {
            (Provider::YouTube, youtube(id)?)
        }
        ("vimeo.com", [id]) if all_digits(id) => {
            (Provider::Vimeo, format!("https://player.vimeo.com/video/{id}"))
        }
        ("soundcloud.com", [user, track]) if plain(user) && plain(track) => (
            Provider::SoundCloud,
            format!(
                "https://w.soundcloud.com/player/?url={}",
                encode(&format!("https://soundcloud.com/{user}/{track}"))
            ),
        ),
        ("twitter.com" | "x.com", [user, "status", id, ..]) if plain(user) && all_digits(id) => {
            (Provider::X, format!("https://platform.twitter.com/embed/Tweet.html?id={id}"))
        }
        ("instagram.com", [kind @ ("p" | "reel"), code, ..]) if plain(code) => {
            (Provider::Instagram, format!("https://www.instagram.com/{kind}/{code}/embed"))
        }
        ("facebook.com", [_, kind @ ("posts" | "videos"), id, ..]) if plain(id) => {
            let plugin = if *kind == "videos" { "video" } else { "post" };
            let href = format!("https://www.facebook.com{}", url.path());
            (
                Provider::Facebook,
                format!("https://www.facebook.com/plugins/{plugin}.php?href={}", encode(&href)),
            )
        }
        ("tiktok.com", [user, "video", id, ..]) if user.starts_with('@') && all_digits(id) => {
            (Provider::TikTok, format!("https://www.tiktok.com/embed/v2/{id}"))
        }
        _ => return None,
    };
    let mut link = url.clone();
    let _ = link.set_scheme("https");
    Some(Embed { provider, link: link.to_string(), player })
}

fn youtube(id: &str) -> Option<String> {
    (id.len() == 11 && plain(id)).then(|| format!("https://www.youtube-nocookie.com/embed/{id}"))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Letters, digits, `-`, `_` and `.` only: safe in any address we make.
fn plain(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `s` percent-encoded for a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The paragraphs of a sanitised body that hold nothing but a provider link (as text, or as
/// a link whose text is its address): where each is in `html`, `<p>` to `</p>`, and its embed.
pub fn standalone(html: &str) -> Vec<(Range<usize>, Embed)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = html[at..].find("<p>") {
        let start = at + open;
        let inner_at = start + 3;
        let Some(close) = html[inner_at..].find("</p>") else { break };
        let end = inner_at + close + 4;
        at = end;
        let inner = html[inner_at..inner_at + close].trim();
        let Some(link) = lone_link(inner) else { continue };
        if let Some(embed) = recognise(&unescape(link)) {
            found.push((start..end, embed));
        }
    }
    found
}

/// The address a paragraph's content is, if that is all it is.
fn lone_link(inner: &str) -> Option<&str> {
    if let Some(rest) = inner.strip_prefix("<a href=\"") {
        let (href, rest) = rest.split_once('"')?;
        let text = rest.split_once('>')?.1.strip_suffix("</a>")?;
        return (!text.contains('<') && unescape(text).trim() == unescape(href)).then_some(href);
    }
    (!inner.contains(['<', ' ', '\n', '\t'])
        && (inner.starts_with("https://") || inner.starts_with("http://")))
    .then_some(inner)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_links_give_their_players() {
        let cases = [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
                Provider::YouTube,
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                Provider::YouTube,
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            (
                "https://m.youtube.com/shorts/dQw4w9WgXcQ",
                Provider::YouTube,
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            ("https://vimeo.com/76979871", Provider::Vimeo, "https://player.vimeo.com/video/76979871"),
            (
                "https://soundcloud.com/artist/a-track",
                Provider::SoundCloud,
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fartist%2Fa-track",
            ),
            (
                "https://x.com/someone/status/1234567890",
                Provider::X,
                "https://platform.twitter.com/embed/Tweet.html?id=1234567890",
            ),
            (
                "https://twitter.com/someone/status/12",
                Provider::X,
                "https://platform.twitter.com/embed/Tweet.html?id=12",
            ),
            (
                "https://www.instagram.com/p/Cabc_12/",
                Provider::Instagram,
                "https://www.instagram.com/p/Cabc_12/embed",
            ),
            (
                "https://www.facebook.com/page/videos/123/",
                Provider::Facebook,
                "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fpage%2Fvideos%2F123%2F",
            ),
            (
                "https://www.tiktok.com/@user/video/7012345678",
                Provider::TikTok,
                "https://www.tiktok.com/embed/v2/7012345678",
            ),
        ];
        for (link, provider, player) in cases {
            let embed = recognise(link).unwrap_or_else(|| panic!("{link} not recognised"));
            assert_eq!((embed.provider, embed.player.as_str()), (provider, player), "{link}");
            assert!(FRAME_ORIGINS.iter().any(|o| embed.player.starts_with(&format!("{o}/"))), "{link}");
        }
    }

    #[test]
    fn oembed_requests_carry_the_link_encoded() {
        assert_eq!(
            oembed_request(Provider::YouTube.oembed(), "https://youtu.be/dQw4w9WgXcQ?t=1&x=2", None),
            "https://www.youtube.com/oembed?format=json&maxwidth=640&url=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ%3Ft%3D1%26x%3D2"
        );
        assert_eq!(
            oembed_request("http://127.0.0.1:9/o?p=1", "https://x.com/a/status/1", Some("a|b")),
            "http://127.0.0.1:9/o?p=1&format=json&maxwidth=640&url=https%3A%2F%2Fx.com%2Fa%2Fstatus%2F1&access_token=a%7Cb"
        );
        assert!(Provider::Instagram.needs_token() && !Provider::Vimeo.needs_token());
    }

    #[test]
    fn unanswered_links_are_asked_again_after_a_day() {
        let at = jiff::Timestamp::from_second(1_000_000).unwrap_or_default();
        let later = |s: i64| jiff::Timestamp::from_second(1_000_000 + s).unwrap_or_default();
        let facts = Facts {
            link: "https://vimeo.com/1".into(),
            title: String::new(),
            author: String::new(),
            thumbnail: None,
            found: false,
            fetched_at: at,
        };
        assert!(!facts.stale(later(RETRY_SECS - 1)));
        assert!(facts.stale(later(RETRY_SECS)));
        assert!(!Facts { found: true, ..facts }.stale(later(RETRY_SECS * 9)));
    }

    #[test]
    fn other_links_are_not_embeds() {
        for link in [
            "https://example.org/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/channel/UCabc",
            "https://vimeo.com/channels/staff",
            "https://soundcloud.com/artist",
            "https://x.com/someone",
            "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        ] {
            assert_eq!(recognise(link), None, "{link}");
        }
    }

    #[test]
    fn only_links_on_their_own_line_become_embeds() {
        let html = "<p>Watch:</p>\n<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1</p>\n\
                    <p><a href=\"https://vimeo.com/76979871\" rel=\"noopener noreferrer\">https://vimeo.com/76979871</a></p>\n\
                    <p>See https://youtu.be/dQw4w9WgXcQ too</p>\n\
                    <p><a href=\"https://vimeo.com/1\" rel=\"noopener noreferrer\">the film</a></p>";
        let found = standalone(html);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(&html[found[0].0.clone()], "<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1</p>");
        assert_eq!(found[0].1.link, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1");
        assert_eq!(found[1].1.provider, Provider::Vimeo);
    }

    #[test]
    fn markdown_link_on_its_own_line_is_found_after_rendering() {
        let html = crate::html::markdown_to_html("Watch this.\n\nhttps://youtu.be/dQw4w9WgXcQ\n\nMore.");
        let found = standalone(&html);
        assert_eq!(found.len(), 1, "{html}");
        assert_eq!(found[0].1.player, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    }
}
