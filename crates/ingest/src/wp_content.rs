//! A WordPress post's content as story HTML. WordPress stores what its editors typed:
//! classic posts as text whose blank lines become paragraphs only when shown (`wpautop`),
//! block-editor posts as HTML between `<!-- wp:... -->` comments, both with shortcodes
//! (`[caption]`, `[gallery]`, `[embed]`, `[video]`, and whatever plugins added). Here the
//! comments go, the shortcodes WordPress ships become their HTML, other shortcodes are
//! dropped (their enclosed text kept), paragraphs are made as WordPress would, and every
//! shortcode is counted for the import report. The result still has to be sanitised.

use std::collections::BTreeMap;

/// What the content became.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpBody {
    /// HTML, not yet sanitised.
    pub html: String,
    /// Shortcodes turned into HTML, by name.
    pub converted: BTreeMap<String, u32>,
    /// Shortcodes dropped, by name.
    pub dropped: BTreeMap<String, u32>,
}

/// The pictures a `[gallery]` shows.
pub trait Gallery {
    /// The address of attachment `id`.
    fn attachment(&self, id: &str) -> Option<String>;
    /// The pictures attached to the post (a gallery without `ids`).
    fn attached(&self) -> Vec<String>;
}

/// `content` (a post's `content:encoded`) as HTML.
pub fn to_html(content: &str, gallery: &dyn Gallery) -> WpBody {
    let mut body = WpBody::default();
    // WordPress makes paragraphs of classic posts only: block-editor posts already are HTML.
    let blocks = content.contains("<!-- wp:");
    let without_comments = strip_comments(&content.replace("\r\n", "\n"));
    let expanded = expand(&without_comments, gallery, &mut body, 0);
    body.html = if blocks { expanded } else { autop(&expanded) };
    body
}

/// HTML comments removed (block-editor delimiters among them); an unclosed one runs to the end.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = rest[start + 4..].find("-->").map_or("", |end| &rest[start + 4 + end + 3..]);
    }
    out.push_str(rest);
    out
}

/// Elements that already are blocks: a chunk starting with one is not wrapped in `<p>`.
const BLOCK_TAGS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "iframe",
    "li",
    "ol",
    "pre",
    "section",
    "table",
    "ul",
    "p",
];

fn starts_with_block(chunk: &str) -> bool {
    let Some(rest) = chunk.strip_prefix('<') else { return false };
    let name: String =
        rest.chars().take_while(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    BLOCK_TAGS.contains(&name.as_str())
}

/// WordPress's `wpautop`, in short: blank lines separate paragraphs, a single line break
/// inside one is a `<br>`, chunks that already are blocks are left alone, and nothing
/// inside `<pre>` changes.
fn autop(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    loop {
        let (before, pre, after) = match rest.to_ascii_lowercase().find("<pre") {
            Some(start) => {
                let end =
                    rest[start..].to_ascii_lowercase().find("</pre>").map_or(rest.len(), |e| start + e + 6);
                (&rest[..start], &rest[start..end], &rest[end..])
            }
            None => (rest, "", ""),
        };
        for chunk in before.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
            if starts_with_block(chunk) {
                out.push_str(chunk);
            } else {
                out.push_str("<p>");
                out.push_str(&chunk.split('\n').map(str::trim).collect::<Vec<_>>().join("<br>\n"));
                out.push_str("</p>");
            }
            out.push('\n');
        }
        if pre.is_empty() {
            return out;
        }
        out.push_str(pre);
        out.push('\n');
        rest = after;
    }
}

/// Shortcodes inside shortcodes are expanded this deep, no deeper.
const MAX_NESTING: usize = 8;

/// One shortcode as written.
struct Shortcode<'a> {
    name: &'a str,
    attrs: Vec<(String, String)>,
    /// The text between `[name]` and `[/name]`, for an enclosing one.
    inner: Option<&'a str>,
    /// Bytes from `[` to the end of the shortcode (its closing tag included).
    len: usize,
}

impl Shortcode<'_> {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn expand(text: &str, gallery: &dyn Gallery, body: &mut WpBody, depth: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let at = &rest[open..];
        if let Some(escaped) = at.strip_prefix("[[")
            && let Some(end) = escaped.find("]]")
        {
            // `[[name]]` is how WordPress writes a shortcode's name as text.
            out.push('[');
            out.push_str(&escaped[..end]);
            out.push(']');
            rest = &escaped[end + 2..];
            continue;
        }
        match parse_shortcode(at) {
            Some(code) if depth < MAX_NESTING => {
                let html = render(&code, gallery, body, depth);
                out.push_str(&html);
                rest = &at[code.len..];
            }
            _ => {
                out.push('[');
                rest = &at[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The shortcode `text` starts with, if it is one: a known name, or an unknown one that
/// looks like a plugin's (attributes, a closing tag, `_` or `-` in its name) and not like
/// words in brackets (`[sic]`, `[1]`).
fn parse_shortcode(text: &str) -> Option<Shortcode<'_>> {
    let after = &text[1..];
    let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let name = &after[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let tail = &after[name_len..];
    if !tail.starts_with([' ', ']', '/', '\t', '\n']) {
        return None;
    }
    let close = closing_bracket(tail)?;
    let attr_text = tail[..close].trim_end_matches('/');
    let self_closed = tail[..close].ends_with('/');
    let attrs = parse_attrs(attr_text);
    let head_len = 1 + name_len + close + 1;
    let closing_tag = format!("[/{name}]");
    let (inner, len) = match (self_closed, text[head_len..].find(&closing_tag)) {
        (false, Some(end)) => (Some(&text[head_len..head_len + end]), head_len + end + closing_tag.len()),
        _ => (None, head_len),
    };
    let known = KNOWN.contains(&name);
    let plugin_like = inner.is_some()
        || attr_text.contains('=')
        || name.contains(['_', '-']) && name == name.to_lowercase();
    (known || plugin_like).then_some(Shortcode { name, attrs, inner, len })
}

/// The shortcodes WordPress itself ships that have an HTML equivalent.
const KNOWN: [&str; 7] = ["caption", "wp_caption", "gallery", "embed", "video", "audio", "playlist"];

/// Where the `]` ending a shortcode's opening tag is in `tail`, quotes respected; `None`
/// past a line's end or a nested `[`.
fn closing_bracket(tail: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tail.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, ']') => return Some(i),
            (None, '[' | '\n') => return None,
            _ => {}
        }
    }
    None
}

/// `key="value" key='value' key=value bare` as pairs (a bare value under its position).
fn parse_attrs(text: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = text.trim_start();
    let mut position = 0;
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = &rest[..key_len];
        let after = rest[key_len..].trim_start();
        if let Some(value_text) = after.strip_prefix('=') {
            let value_text = value_text.trim_start();
            let (value, next) = match value_text.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = value_text[1..].find(q).map_or(value_text.len(), |e| e + 1);
                    (&value_text[1..end], value_text.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = value_text.find(char::is_whitespace).unwrap_or(value_text.len());
                    (&value_text[..end], &value_text[end..])
                }
            };
            attrs.push((key.to_ascii_lowercase(), value.to_owned()));
            rest = next.trim_start();
        } else {
            attrs.push((position.to_string(), key.trim_matches(['"', '\'']).to_owned()));
            position += 1;
            rest = after;
        }
    }
    attrs
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn link(url: &str, words: &str) -> String {
    format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(words))
}

fn render(code: &Shortcode<'_>, gallery: &dyn Gallery, body: &mut WpBody, depth: usize) -> String {
    let inner = code.inner.map(|i| expand(i, gallery, body, depth + 1)).unwrap_or_default();
    let html = match code.name {
        "caption" | "wp_caption" => Some(caption(code, &inner)),
        "gallery" => {
            let urls: Vec<String> = match code.attr("ids").or(code.attr("include")) {
                Some(ids) => ids.split(',').filter_map(|id| gallery.attachment(id.trim())).collect(),
                None => gallery.attached(),
            };
            (!urls.is_empty()).then(|| {
                let images: String =
                    urls.iter().map(|u| format!("<img src=\"{}\" alt=\"\">", escape(u))).collect();
                format!("<figure>{images}</figure>\n")
            })
        }
        "embed" => {
            let url = inner.trim();
            url.starts_with("http").then(|| link(url, url))
        }
        "video" | "audio" => {
            let url = ["src", "mp4", "m4v", "webm", "ogv", "mp3", "ogg", "wav", "m4a"]
                .iter()
                .find_map(|k| code.attr(k))
                .map_or_else(|| inner.trim().to_owned(), str::to_owned);
            let file = url.rsplit('/').next().unwrap_or(&url).to_owned();
            let words =
                if code.name == "video" { format!("Video: {file}") } else { format!("Audio: {file}") };
            url.starts_with("http").then(|| link(&url, &words))
        }
        _ => None,
    };
    let tally = if html.is_some() { &mut body.converted } else { &mut body.dropped };
    *tally.entry(code.name.to_owned()).or_default() += 1;
    // A dropped shortcode leaves the text it enclosed.
    html.unwrap_or(inner)
}

/// `[caption]<a><img></a> Words[/caption]` as a figure with its caption (WordPress 3.4+
/// writes the words after the picture; older posts in a `caption` attribute).
fn caption(code: &Shortcode<'_>, inner: &str) -> String {
    let inner = inner.trim();
    let lower = inner.to_ascii_lowercase();
    let picture_end = if lower.starts_with("<a") {
        lower.find("</a>").map(|e| e + 4)
    } else if lower.starts_with("<img") {
        lower.find('>').map(|e| e + 1)
    } else {
        None
    }
    .unwrap_or(0);
    let (picture, words) = inner.split_at(picture_end);
    let words = match words.trim() {
        "" => code.attr("caption").map(escape).unwrap_or_default(),
        w => w.to_owned(),
    };
    if words.is_empty() {
        format!("<figure>{picture}</figure>\n")
    } else {
        format!("<figure>{picture}<figcaption>{words}</figcaption></figure>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pictures;
    impl Gallery for Pictures {
        fn attachment(&self, id: &str) -> Option<String> {
            (id != "404").then(|| format!("https://example.org/wp-content/uploads/{id}.jpg"))
        }
        fn attached(&self) -> Vec<String> {
            vec!["https://example.org/wp-content/uploads/attached.jpg".into()]
        }
    }

    #[test]
    fn classic_text_gets_paragraphs_and_breaks() {
        let body = to_html(
            "First line\nsecond line.\n\nNext paragraph.\n\n<blockquote>Quoted</blockquote>",
            &Pictures,
        );
        assert_eq!(
            body.html,
            "<p>First line<br>\nsecond line.</p>\n<p>Next paragraph.</p>\n<blockquote>Quoted</blockquote>\n"
        );
    }

    #[test]
    fn pre_is_left_as_written() {
        let body = to_html("Code:\n\n<pre>a\n\nb</pre>\n\nAfter.", &Pictures);
        assert_eq!(body.html, "<p>Code:</p>\n<pre>a\n\nb</pre>\n<p>After.</p>\n");
    }

    #[test]
    fn block_comments_go_and_block_html_stays() {
        let body = to_html(
            "<!-- wp:paragraph -->\n<p>One.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:heading -->\n<h2>Two</h2>\n<!-- /wp:heading -->",
            &Pictures,
        );
        assert_eq!(body.html.trim(), "<p>One.</p>\n\n\n\n<h2>Two</h2>");
    }

    #[test]
    fn shortcodes_become_html_or_are_dropped_and_counted() {
        let body = to_html(
            "[caption id=\"attachment_7\" align=\"alignnone\" width=\"300\"]<img src=\"a.jpg\" alt=\"A\"> Floods in Sindh[/caption]\n\n\
             [gallery ids=\"1,404,3\"]\n\n[embed]https://www.youtube.com/watch?v=x[/embed]\n\n\
             [video mp4=\"https://example.org/v.mp4\"][/video]\n\n[contact-form-7 id=\"5\"]\n\n\
             [note]Kept words[/note] and [sic] and [1] and [[gallery]]",
            &Pictures,
        );
        let html = &body.html;
        assert!(html.contains(
            "<figure><img src=\"a.jpg\" alt=\"A\"><figcaption>Floods in Sindh</figcaption></figure>"
        ));
        assert!(html.contains("uploads/1.jpg") && html.contains("uploads/3.jpg") && !html.contains("404"));
        assert!(html.contains("<a href=\"https://www.youtube.com/watch?v=x\">"));
        assert!(html.contains("<a href=\"https://example.org/v.mp4\">Video: v.mp4</a>"));
        assert!(!html.contains("contact-form"));
        assert!(html.contains("Kept words and [sic] and [1] and [gallery]"), "{html}");
        assert_eq!(
            body.converted,
            BTreeMap::from([
                ("caption".into(), 1),
                ("embed".into(), 1),
                ("gallery".into(), 1),
                ("video".into(), 1)
            ])
        );
        assert_eq!(body.dropped, BTreeMap::from([("contact-form-7".into(), 1), ("note".into(), 1)]));
    }

    #[test]
    fn a_gallery_without_ids_shows_the_posts_pictures() {
        let body = to_html("[gallery]", &Pictures);
        assert!(body.html.contains("uploads/attached.jpg"));
    }

    #[test]
    fn broken_shortcodes_are_text() {
        for text in ["[caption", "[gallery ids=\"1", "[", "[[", "[]", "[/caption]", "a ] b [ c"] {
            let body = to_html(text, &Pictures);
            assert!(body.html.contains(text.trim()) || body.html.contains("["), "{text}: {}", body.html);
        }
    }
}
