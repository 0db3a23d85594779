//! Story bodies as HTML: Markdown from editors is rendered, and every piece of HTML —
//! ours or from outside — is sanitised before it is stored. What leaves this module has no
//! scripts, styles, frames, event handlers or `javascript:`/`data:` links.

use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(policy);

/// What survives sanitising: structure, links, images, figures; http(s), mailto and tel
/// links only, each with `rel="noopener noreferrer"`.
fn policy() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_tags(["figure", "figcaption"])
        .add_tag_attributes("img", ["loading", "width", "height"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"));
    b
}

/// Removes everything unsafe from `html`, keeping structure, links and images.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(&within_depth(html)).to_string()
}

/// Like [`sanitize`], and relative links and image sources are made absolute against
/// `base` (copy from a feed points at the feed's site, not ours).
pub fn sanitize_with_base(html: &str, base: Option<&str>) -> String {
    let Some(base) = base.and_then(|b| ammonia::Url::parse(b).ok()) else {
        return sanitize(html);
    };
    let mut builder = policy();
    builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    builder.clean(&within_depth(html)).to_string()
}

/// Elements nested deeper than this are dropped before parsing (their text is kept). The
/// HTML parser checks scopes by walking the open elements, so every tag costs the depth: a
/// megabyte of nested `<div>`s (found by the fuzzer in a ninjs body) took seconds. Real
/// copy nests a dozen deep.
const MAX_DEPTH: usize = 256;

/// Elements that never have an end tag, so never nest.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
];

/// `html` without the start and end tags of elements nested deeper than [`MAX_DEPTH`] (as
/// written, before any repair), the text inside kept; `html` itself when none is. A rough
/// reading of tags is enough: what comes out is sanitised all the same.
fn within_depth(html: &str) -> std::borrow::Cow<'_, str> {
    let mut depth = 0usize;
    let mut kept = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        let start = at + found;
        let closing = html[start + 1..].starts_with('/');
        let name_at = start + 1 + usize::from(closing);
        let name: String = html[name_at..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            at = start + 1;
            continue;
        }
        let end = html[start..].find('>').map_or(html.len(), |e| start + e + 1);
        let keep = if closing {
            let keep = depth <= MAX_DEPTH;
            depth = depth.saturating_sub(1);
            keep
        } else if VOID.contains(&name.as_str()) || html[start..end].ends_with("/>") {
            true
        } else {
            depth += 1;
            depth <= MAX_DEPTH
        };
        if !keep {
            kept.push_str(&html[copied..start]);
            copied = end;
        }
        at = end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(html);
    }
    kept.push_str(&html[copied..]);
    std::borrow::Cow::Owned(kept)
}

static TEXT_ONLY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags(BLOCKS);
    b
});

/// Elements that separate words: their edges become spaces in [`to_text`].
const BLOCKS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "td",
    "tr",
];

/// The text a reader sees in `html`, as one line: parsed as a browser would (so `1 < 2` or
/// a stray `<` is text, never a cut), scripts and styles dropped, entities decoded, words
/// kept apart where blocks meet, whitespace collapsed.
pub fn to_text(html: &str) -> String {
    // What comes back is well-formed: only block tags, text with `<`, `>` and `&` escaped.
    let blocks_only = TEXT_ONLY.clean(&within_depth(html)).to_string();
    let mut spaced = String::with_capacity(blocks_only.len());
    let mut rest = blocks_only.as_str();
    while let Some(open) = rest.find('<') {
        spaced.push_str(&rest[..open]);
        spaced.push(' ');
        rest = rest[open..].find('>').map_or("", |close| &rest[open + close + 1..]);
    }
    spaced.push_str(rest);
    let decoded =
        spaced.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u{a0}").replace("&amp;", "&");
    collapse_whitespace(&decoded)
}

/// `text` on one line: runs of whitespace become one space, none at either end. A
/// no-break space is a character a writer chose, and stays.
pub fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() && c != '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders an editor's Markdown body to sanitised HTML. Raw HTML inside the Markdown is
/// allowed through the renderer and then sanitised like any other HTML.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut raw = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    sanitize(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_paragraphs_and_links() {
        let out = markdown_to_html("Rain *fell*.\n\nSee [the report](https://example.org/r).");
        assert!(out.contains("<p>Rain <em>fell</em>.</p>"));
        assert!(out.contains(r#"<a href="https://example.org/r" rel="noopener noreferrer">the report</a>"#));
    }

    #[test]
    fn text_is_read_as_a_browser_reads_it() {
        assert_eq!(
            to_text("Inflation 1 &lt; 2 as prices &amp; rents fall"),
            "Inflation 1 < 2 as prices & rents fall"
        );
        assert_eq!(to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(to_text("Markets <b>rally</b> as KSE-100 tops"), "Markets rally as KSE-100 tops");
        assert_eq!(to_text("<p>One.</p><p>Two&nbsp;too.</p><script>x()</script>"), "One. Two\u{a0}too.");
        assert_eq!(to_text("AT&amp;amp;T"), "AT&amp;T", "decoded once");
    }

    #[test]
    fn hostile_html_is_removed() {
        let hostile = r#"<p onclick="steal()">Hi<script>alert(1)</script></p>
<a href="javascript:alert(1)">x</a><a href="data:text/html,hi">y</a>
<iframe src="https://evil.example"></iframe><style>body{display:none}</style>
<img src="x.png" onerror="alert(1)" style="position:fixed">"#;
        let out = markdown_to_html(hostile);
        for bad in ["script", "onclick", "javascript:", "data:", "iframe", "<style", "onerror", "style="] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains("Hi"));
        assert!(out.contains(r#"<img src="x.png">"#));
    }

    #[test]
    fn elements_nested_too_deep_lose_their_tags_not_their_text() {
        let deep = format!("<p>{}deep text{}</p>", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let out = sanitize(&deep);
        assert!(out.contains("deep text"));
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH - 1, "the paragraph is one level");
        // Never closed, as the fuzzer sent them: the same.
        let unclosed = format!("<p>Start {} end</p>", "<div>".repeat(200_000));
        assert!(to_text(&unclosed).contains("Start"));
        // Ordinary copy is left as it is, void elements and comments included.
        let ordinary = "<p>One<br>two <img src=\"a.jpg\"> 1 < 2 <!-- note --></p><div><div>x</div></div>";
        assert!(matches!(within_depth(ordinary), std::borrow::Cow::Borrowed(_)));
    }
}
