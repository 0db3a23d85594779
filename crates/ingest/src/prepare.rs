//! Making real-world bytes readable, and refusing hostile ones, before any parser runs.
//!
//! - size: documents over [`MAX_BYTES`] are refused;
//! - encoding: a byte order mark wins; then valid UTF-8 is taken as UTF-8 whatever the
//!   declaration says (feeds often declare ISO-8859-1 and send UTF-8); then the declared
//!   encoding; then Windows-1252, which decodes any byte;
//! - XML: entity declarations are refused (entity bombs), HTML named entities that XML lacks
//!   (`&nbsp;`, `&mdash;`...) become numeric references, bare `&` become `&amp;`, the
//!   declaration is rewritten to say UTF-8, and nesting deeper than [`MAX_DEPTH`] is refused.

use crate::{Format, IngestError};
use quick_xml::events::Event;

/// Largest document accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// A document decoded to UTF-8 and, for XML, repaired and checked.
pub struct Input {
    pub text: String,
    pub is_json: bool,
}

impl Input {
    /// Decodes and checks `bytes`.
    ///
    /// # Errors
    /// Empty, too large, binary, hostile or badly nested input.
    pub fn new(bytes: &[u8]) -> Result<Self, IngestError> {
        if bytes.len() > MAX_BYTES {
            return Err(IngestError::TooLarge { size: bytes.len(), limit: MAX_BYTES });
        }
        let first = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF | 0xFE | 0xFF | 0));
        let Some(first) = first else { return Err(IngestError::Empty) };
        match bytes[first] {
            b'{' => {
                let text = String::from_utf8(strip_utf8_bom(bytes).to_vec())
                    .map_err(|_| IngestError::Encoding { encoding: "UTF-8 (JSON must be UTF-8)".into() })?;
                Ok(Self { text, is_json: true })
            }
            b'<' => {
                let decoded = decode_xml(bytes)?;
                let repaired = repair_xml(&decoded)?;
                if root_element(&repaired).is_ok_and(|r| r.eq_ignore_ascii_case("html")) {
                    return Err(IngestError::NotAFeed("an HTML page".into()));
                }
                check_nesting(&repaired)?;
                Ok(Self { text: repaired, is_json: false })
            }
            _ if looks_binary(bytes) => Err(IngestError::NotAFeed("binary data".into())),
            _ => Err(IngestError::NotAFeed("it is neither XML nor JSON".into())),
        }
    }

    /// Which format the document is, from its root element or JSON shape.
    ///
    /// # Errors
    /// [`IngestError::NotAFeed`] for other XML (an HTML page) or other JSON.
    pub fn detect(&self) -> Result<Format, IngestError> {
        if self.is_json {
            let value: serde_json::Value = serde_json::from_str(&self.text).map_err(json_error)?;
            let version = value.get("version").and_then(|v| v.as_str()).unwrap_or("");
            if version.contains("jsonfeed.org") {
                return Ok(Format::JsonFeed);
            }
            if value.get("uri").is_some() || value.get("guid").is_some() {
                return Ok(Format::Ninjs);
            }
            return Err(IngestError::NotAFeed("JSON that is neither JSON Feed nor ninjs".into()));
        }
        let root = root_element(&self.text)?;
        match root.as_str() {
            "rss" | "RDF" => Ok(Format::Rss),
            "feed" => Ok(Format::Atom),
            "newsItem" | "newsMessage" => Ok(Format::NewsMl),
            "html" | "HTML" => Err(IngestError::NotAFeed("an HTML page".into())),
            other => Err(IngestError::NotAFeed(format!("XML with root element <{other}>"))),
        }
    }
}

pub(crate) fn json_error(e: serde_json::Error) -> IngestError {
    if e.to_string().contains("recursion limit") {
        IngestError::TooDeep { limit: 128 }
    } else {
        IngestError::malformed("JSON", e)
    }
}

fn strip_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)
}

fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(1024)];
    sample.iter().filter(|b| **b < 0x09 || (**b > 0x0D && **b < 0x20)).count() * 20 > sample.len()
}

/// The encoding named in an XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let decl = head.split("?>").next()?;
    if !decl.contains("<?xml") {
        return None;
    }
    let after = decl.split("encoding").nth(1)?;
    let quote_start = after.find(['"', '\''])?;
    let rest = &after[quote_start + 1..];
    let end = rest.find(['"', '\''])?;
    Some(rest[..end].trim().to_owned())
}

fn decode_xml(bytes: &[u8]) -> Result<String, IngestError> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _, had_errors) = encoding.decode(&bytes[bom_len..]);
        if had_errors {
            return Err(IngestError::Encoding { encoding: encoding.name().into() });
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let declared = declared_encoding(bytes);
    let encoding = declared
        .as_deref()
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
        .unwrap_or(encoding_rs::WINDOWS_1252);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(text.into_owned())
}

/// HTML named entities feeds use that XML does not define, as code points.
const HTML_ENTITIES: &[(&str, u32)] = &[
    ("nbsp", 160),
    ("iexcl", 161),
    ("cent", 162),
    ("pound", 163),
    ("yen", 165),
    ("sect", 167),
    ("copy", 169),
    ("laquo", 171),
    ("reg", 174),
    ("deg", 176),
    ("plusmn", 177),
    ("middot", 183),
    ("raquo", 187),
    ("frac12", 189),
    ("iquest", 191),
    ("Agrave", 192),
    ("Aacute", 193),
    ("Auml", 196),
    ("Ccedil", 199),
    ("Egrave", 200),
    ("Eacute", 201),
    ("Ntilde", 209),
    ("Ouml", 214),
    ("times", 215),
    ("Uuml", 220),
    ("szlig", 223),
    ("agrave", 224),
    ("aacute", 225),
    ("acirc", 226),
    ("atilde", 227),
    ("auml", 228),
    ("ccedil", 231),
    ("egrave", 232),
    ("eacute", 233),
    ("ecirc", 234),
    ("euml", 235),
    ("iacute", 237),
    ("iuml", 239),
    ("ntilde", 241),
    ("oacute", 243),
    ("ocirc", 244),
    ("ouml", 246),
    ("divide", 247),
    ("uacute", 250),
    ("uuml", 252),
    ("ndash", 8211),
    ("mdash", 8212),
    ("lsquo", 8216),
    ("rsquo", 8217),
    ("sbquo", 8218),
    ("ldquo", 8220),
    ("rdquo", 8221),
    ("bdquo", 8222),
    ("dagger", 8224),
    ("bull", 8226),
    ("hellip", 8230),
    ("prime", 8242),
    ("euro", 8364),
    ("trade", 8482),
    ("larr", 8592),
    ("rarr", 8594),
    ("minus", 8722),
    ("thinsp", 8201),
    ("ensp", 8194),
    ("emsp", 8195),
];

/// Refuses entity declarations, fixes HTML entities and bare ampersands, and makes the
/// declaration say UTF-8.
fn repair_xml(text: &str) -> Result<String, IngestError> {
    let head = &text[..text.floor_char_boundary(4096)];
    if head.contains("<!ENTITY") || (text.contains("<!DOCTYPE") && text.contains("<!ENTITY")) {
        return Err(IngestError::EntityDeclarations);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        if rest[pos..].starts_with('<') {
            // CDATA is taken as written: an `&` in it is a character, not a reference.
            let end = if rest[pos..].starts_with("<![CDATA[") {
                rest[pos..].find("]]>").map_or(rest.len(), |e| pos + e + 3)
            } else {
                pos + 1
            };
            out.push_str(&rest[pos..end]);
            rest = &rest[end..];
            continue;
        }
        let after = &rest[pos + 1..];
        let name_len = after.find(';').filter(|n| *n > 0 && *n <= 32);
        let name = name_len.map(|n| &after[..n]);
        match name {
            Some(n) if matches!(n, "amp" | "lt" | "gt" | "quot" | "apos") || is_numeric_reference(n) => {
                out.push('&');
                out.push_str(n);
                out.push(';');
                rest = &after[n.len() + 1..];
            }
            Some(n) if HTML_ENTITIES.iter().any(|(name, _)| *name == n) => {
                let code = HTML_ENTITIES.iter().find(|(name, _)| *name == n).map_or(0, |(_, c)| *c);
                out.push_str(&format!("&#{code};"));
                rest = &after[n.len() + 1..];
            }
            _ => {
                out.push_str("&amp;");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(drop_late_declarations(rewrite_declaration(out)))
}

/// An XML declaration is only allowed at the very start; a lenient reader ignores any later
/// one (glued-together files have them), and XML parsers must never see one.
fn drop_late_declarations(text: String) -> String {
    let is_declaration = |at: &str| {
        at.strip_prefix("<?xml").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_whitespace() || c == '?'))
    };
    let start = text.len() - text.trim_start().len();
    let first_end =
        if is_declaration(&text[start..]) { text[start..].find("?>").map(|e| start + e + 2) } else { None };
    if !text[first_end.unwrap_or(0)..].contains("<?xml") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = &text[..];
    if let Some(end) = first_end {
        out.push_str(&text[..end]);
        rest = &text[end..];
    }
    while let Some(pos) = rest.find("<?xml") {
        out.push_str(&rest[..pos]);
        let candidate = &rest[pos..];
        if is_declaration(candidate) {
            rest = candidate.find("?>").map_or("", |e| &candidate[e + 2..]);
        } else {
            out.push_str("<?xml");
            rest = &candidate[5..];
        }
    }
    out.push_str(rest);
    out
}

fn is_numeric_reference(name: &str) -> bool {
    let Some(num) = name.strip_prefix('#') else { return false };
    match num.strip_prefix(['x', 'X']) {
        Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()),
    }
}

/// The text is UTF-8 now: say so, or parsers would decode it again.
fn rewrite_declaration(text: String) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text;
    }
    let Some(end) = trimmed.find("?>") else { return text };
    let decl = &trimmed[..end];
    let fixed = match decl.find("encoding") {
        Some(at) => {
            let after = &decl[at..];
            let close = after
                .find(['"', '\''])
                .and_then(|q| after[q + 1..].find(['"', '\'']).map(|e| q + 1 + e + 1))
                .unwrap_or(after.len());
            format!("{}encoding=\"UTF-8\"{}", &decl[..at], &after[close..])
        }
        None => decl.to_owned(),
    };
    format!("{fixed}{}", &trimmed[end..])
}

/// The local name of the root element.
fn root_element(text: &str) -> Result<String, IngestError> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Ok(e.local_name().as_ref().to_owned());
            }
            Ok(Event::Eof) => return Err(IngestError::NotAFeed("XML without elements".into())),
            Ok(_) => {}
            Err(e) => return Err(IngestError::malformed("XML", e)),
        }
    }
}

/// Walks the whole document once: refuses nesting over [`MAX_DEPTH`] and reports
/// malformed XML (mismatched or unclosed tags) with its position.
fn check_nesting(text: &str) -> Result<(), IngestError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(IngestError::TooDeep { limit: MAX_DEPTH });
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => {
                return if depth == 0 {
                    Ok(())
                } else {
                    Err(IngestError::malformed("XML", "the document ends before its elements are closed"))
                };
            }
            Ok(_) => {}
            Err(e) => {
                return Err(IngestError::malformed(
                    "XML",
                    format!("{e} (at byte {})", reader.buffer_position()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_entities_and_bare_ampersands_are_repaired() {
        let glued = repair_xml("<?xml version=\"1.0\"?><rss><?xml-stylesheet href=\"a\"?><?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/></rss>").unwrap();
        assert_eq!(glued, "<?xml version=\"1.0\"?><rss><?xml-stylesheet href=\"a\"?><a/></rss>");
        let long = format!("<rss>{}é</rss>", "a".repeat(4090));
        assert_eq!(repair_xml(&long).unwrap(), long, "a character across the 4 KiB mark");
        let fixed = repair_xml("<t>AT&T &mdash; Karachi&rsquo;s &amp; &#8217; &bogus; &#x41;</t>").unwrap();
        assert_eq!(fixed, "<t>AT&amp;T &#8212; Karachi&#8217;s &amp; &#8217; &amp;bogus; &#x41;</t>");
    }

    #[test]
    fn the_declaration_is_made_utf8() {
        let fixed = rewrite_declaration("<?xml version=\"1.0\" encoding='ISO-8859-1'?><rss/>".into());
        assert_eq!(fixed, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>");
    }

    #[test]
    fn latin1_bytes_are_decoded_and_utf8_wins_over_a_wrong_declaration() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\xe9</t>";
        assert!(decode_xml(latin1).unwrap().contains("Café"));
        let utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Café کراچی</t>".as_bytes();
        assert!(decode_xml(utf8).unwrap().contains("Café کراچی"));
    }

    #[test]
    fn hostile_input_is_refused() {
        assert!(matches!(Input::new(b""), Err(IngestError::Empty)));
        assert!(matches!(Input::new(b"  \n "), Err(IngestError::Empty)));
        let bomb =
            b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><rss>&b;</rss>";
        assert!(matches!(Input::new(bomb), Err(IngestError::EntityDeclarations)));
        let deep = format!("<rss>{}{}</rss>", "<d>".repeat(1000), "</d>".repeat(1000));
        assert!(matches!(Input::new(deep.as_bytes()), Err(IngestError::TooDeep { .. })));
        assert!(matches!(Input::new(b"<rss><channel></rss>"), Err(IngestError::Malformed { .. })));
        assert!(matches!(Input::new(&[0u8, 1, 2, 3, 200, 201, 7, 8]), Err(IngestError::NotAFeed(_))));
    }
}
