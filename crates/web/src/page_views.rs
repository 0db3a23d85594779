//! Which answers are a reader's view of a story page, for "Most Read"
//! (`dateline_newsroom::most_read`). The page cache ([`crate::page_cache::serve_cached`])
//! asks here for every story page it answers, from memory or freshly made, so a view is
//! counted however the page was served.
//!
//! A view is a `GET` of `/story/{slug}` answered 200 (not a 304, a `HEAD` or an error) to a
//! browser: a user agent that starts as browsers' do (`Mozilla/`) and does not name itself a
//! robot, a crawler, a preview or a headless browser. Requests without a user agent, and
//! command-line clients (`curl`, `wget`, `python-requests`...), are not browsers. Nothing
//! about the reader is kept: no cookie is read or set, the address is not looked at, and
//! what is counted is the story's id.

use axum::http::{HeaderMap, StatusCode, header};
use dateline_core::ChangeKey;
use dateline_newsroom::most_read::MostRead;

/// Counts a view of the page at `url` (a cache key: a canonical path) that depends on
/// `keys`, answered with `status` to a request with `headers`, if it is a reader's view of a
/// story page.
pub(crate) fn count(
    most_read: &MostRead,
    url: &str,
    keys: &[ChangeKey],
    status: StatusCode,
    headers: &HeaderMap,
) {
    if status != StatusCode::OK || !is_story_page(url) || !is_browser(headers) {
        return;
    }
    // A story page depends on its story's key (`crate::public::story`).
    if let Some(id) = keys.iter().find_map(|k| if let ChangeKey::Story(id) = k { Some(*id) } else { None }) {
        most_read.count(id);
    }
}

/// `/story/{slug}`: a story's page, not one of its documents (`/story/{slug}/ninjs.json`).
fn is_story_page(url: &str) -> bool {
    url.strip_prefix("/story/").is_some_and(|slug| !slug.is_empty() && !slug.contains(['/', '?']))
}

/// Whether the request comes from a browser, by its user agent.
pub(crate) fn is_browser(headers: &HeaderMap) -> bool {
    headers.get(header::USER_AGENT).is_some_and(|ua| {
        let ua = ua.as_bytes();
        ua.starts_with(b"Mozilla/") && !ROBOT_WORDS.is_match(ua)
    })
}

/// Words robots put in their user agents (Googlebot, bingbot, AhrefsBot, Baiduspider, Yahoo!
/// Slurp, HeadlessChrome, Chrome-Lighthouse, facebookexternalhit, link previews...), in any
/// case; many also give a `+http://` address to read about them, which browsers never do.
/// Searched for all at once in one pass (Aho-Corasick): this runs for every story page
/// served, and a word-by-word scan of a Chrome user agent took a microsecond, some 3% of
/// serving the cached page (`bench/story-ab`).
static ROBOT_WORDS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "bot",
            "crawl",
            "spider",
            "slurp",
            "headless",
            "lighthouse",
            "preview",
            "externalhit",
            "fetch",
            "http",
            "python",
            "curl",
            "wget",
        ])
        .unwrap_or_else(|e| unreachable!("thirteen fixed words make an automaton: {e}"))
});

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn browser(ua: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(ua) = ua {
            headers.insert(header::USER_AGENT, HeaderValue::from_str(ua).unwrap());
        }
        is_browser(&headers)
    }

    #[test]
    fn browsers_are_readers() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36",
        ] {
            assert!(browser(Some(ua)), "{ua}");
        }
    }

    #[test]
    fn robots_and_tools_are_not() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.32.3",
            "Go-http-client/1.1",
            "",
        ] {
            assert!(!browser(Some(ua)), "{ua}");
        }
        assert!(!browser(None), "no user agent");
    }

    #[test]
    fn only_story_pages_count() {
        assert!(is_story_page("/story/floods-hit-sindh"));
        for url in ["/story/", "/story/a/ninjs.json", "/", "/section/world", "/story"] {
            assert!(!is_story_page(url), "{url}");
        }
    }
}
