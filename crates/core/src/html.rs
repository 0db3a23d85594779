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
    SANITIZER.clean(html).to_string()
}

/// Like [`sanitize`], and relative links and image sources are made absolute against
/// `base` (copy from a feed points at the feed's site, not ours).
pub fn sanitize_with_base(html: &str, base: Option<&str>) -> String {
    let Some(base) = base.and_then(|b| ammonia::Url::parse(b).ok()) else {
        return sanitize(html);
    };
    let mut builder = policy();
    builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    builder.clean(html).to_string()
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
}
