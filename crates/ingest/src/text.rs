//! Text between plain and HTML, stable ids, and times.

use sha2::{Digest, Sha256};

/// Decodes the HTML character references in `s` (named ones feeds use, and numeric).
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let end = after.find(';').filter(|n| *n > 0 && *n <= 32);
        let decoded = end.and_then(|n| {
            let name = &after[..n];
            let c = if let Some(num) = name.strip_prefix('#') {
                match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                    None => num.parse::<u32>().ok().and_then(char::from_u32),
                }
            } else {
                match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    "mdash" => Some('—'),
                    "ndash" => Some('–'),
                    "rsquo" => Some('’'),
                    "lsquo" => Some('‘'),
                    "rdquo" => Some('”'),
                    "ldquo" => Some('“'),
                    "hellip" => Some('…'),
                    _ => None,
                }
            };
            c.map(|c| (c, n))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &after[n + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of sanitised HTML (where every `<` opens a tag): tags removed, entities decoded,
/// whitespace collapsed. Quick, for stored bodies; HTML from outside goes through
/// `dateline_core::html::to_text`, which parses it as a browser does.
pub fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A plain-text field on one line, every character kept; `None` when empty.
pub fn line(s: Option<&str>) -> Option<String> {
    s.map(dateline_core::html::collapse_whitespace).filter(|t| !t.is_empty())
}

/// Plain text written as HTML: escaped, blank lines making paragraphs.
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")))
        .collect()
}

/// A stable id for an item its feed gave none: from its link and title.
pub fn derived_guid(link: Option<&str>, title: &str) -> String {
    let digest = Sha256::digest(format!("{}\n{}", link.unwrap_or(""), title).as_bytes());
    format!("sha256:{}", &hex::encode(digest)[..32])
}

/// Lenient parse of a time written by an agency: RFC 3339, RFC 2822, and the variants feeds
/// really send (no weekday, long day or month names, no seconds, zone abbreviations, ISO
/// dates in RSS, no zone at all = UTC).
pub fn parse_timestamp(text: &str) -> Option<jiff::Timestamp> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    // Normalised first: a strict parser reads an unknown zone name such as PKT as UTC.
    if let Ok(z) = jiff::fmt::rfc2822::parse(&normalise_rfc822(t)) {
        return Some(z.timestamp());
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(t) {
        return Some(z.timestamp());
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return dt.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    None
}

/// [`parse_timestamp`] as RFC 3339 text.
pub fn parse_time(text: &str) -> Option<String> {
    parse_timestamp(text).map(|t| t.to_string())
}

/// Zone abbreviations seen in agency feeds, as offsets.
const ZONES: &[(&str, &str)] = &[
    ("UT", "+0000"),
    ("UTC", "+0000"),
    ("GMT", "+0000"),
    ("Z", "+0000"),
    ("PKT", "+0500"),
    ("IST", "+0530"),
    ("BST", "+0100"),
    ("CET", "+0100"),
    ("CEST", "+0200"),
    ("EET", "+0200"),
    ("MSK", "+0300"),
    ("GST", "+0400"),
    ("EST", "-0500"),
    ("EDT", "-0400"),
    ("CST", "-0600"),
    ("CDT", "-0500"),
    ("MST", "-0700"),
    ("MDT", "-0600"),
    ("PST", "-0800"),
    ("PDT", "-0700"),
    ("JST", "+0900"),
    ("AEST", "+1000"),
];

/// Rewrites an RFC 822-like date into strict RFC 2822: drops the weekday, shortens month
/// names, adds missing seconds, turns zone names into offsets.
fn normalise_rfc822(t: &str) -> String {
    let without_day = match t.split_once(',') {
        Some((day, rest)) if day.chars().all(char::is_alphabetic) => rest.trim(),
        _ => t,
    };
    let mut parts: Vec<String> = without_day.split_whitespace().map(str::to_owned).collect();
    for p in &mut parts {
        if p.len() > 3 && p.chars().all(|c| c.is_ascii_alphabetic()) && !ZONES.iter().any(|(z, _)| z == p) {
            *p = p[..3].to_owned();
        }
        if p.chars().filter(|c| *c == ':').count() == 1 {
            p.push_str(":00");
        }
        if let Some((_, offset)) = ZONES.iter().find(|(z, _)| z.eq_ignore_ascii_case(p)) {
            *p = (*offset).to_owned();
        }
    }
    if parts.len() == 4 {
        parts.push("+0000".into());
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_entities_become_plain_text() {
        assert_eq!(
            plain("<b>Storm</b> &amp; floods &#8212; Karachi&rsquo;s  roads"),
            "Storm & floods — Karachi’s roads"
        );
        assert_eq!(decode_entities("AT&T &unknown; &#x41;"), "AT&T &unknown; A");
    }

    #[test]
    fn derived_guids_are_stable() {
        assert_eq!(derived_guid(Some("https://a/1"), "T"), derived_guid(Some("https://a/1"), "T"));
        assert_ne!(derived_guid(Some("https://a/1"), "T"), derived_guid(Some("https://a/2"), "T"));
    }

    #[test]
    fn times_are_read_leniently() {
        assert_eq!(parse_time("2025-02-25T14:30:00+05:00").as_deref(), Some("2025-02-25T09:30:00Z"));
        assert_eq!(parse_time("Tue, 25 Feb 2025 14:30:00 GMT").as_deref(), Some("2025-02-25T14:30:00Z"));
        assert_eq!(parse_time("2025-02-25T14:30:00").as_deref(), Some("2025-02-25T14:30:00Z"));
        assert_eq!(parse_time("someday"), None);
        assert_eq!(parse_time("Tue, 25 Feb 2025 14:30 PKT").as_deref(), Some("2025-02-25T09:30:00Z"));
        assert_eq!(
            parse_time("Tuesday, 25 February 2025 14:30:00 GMT").as_deref(),
            Some("2025-02-25T14:30:00Z")
        );
        assert_eq!(parse_time("25 Feb 2025 14:30:00 +0500").as_deref(), Some("2025-02-25T09:30:00Z"));
        assert_eq!(parse_time("25 Feb 2025 14:30:00").as_deref(), Some("2025-02-25T14:30:00Z"));
        assert_eq!(parse_time("25 ÏÇÅÍ 2025 10:00:00 GMT"), None, "found by fuzzing: no panic");
    }
}
