//! House style: how the site writes dates and datelines. A newsroom has a fixed way of
//! saying "Published February 27, 2025 | 08:34 PM" and "Istanbul, (APP - Site - 27th Feb,
//! 2025)"; each site can change the patterns, and everything is shown in the site's zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The site's patterns. Date and time patterns are strftime (`%B %-d, %Y`), plus `{ordinal}`
/// for the day of the month with its English suffix (27th). The dateline pattern places
/// `{place}`, `{credit}` and `{date}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HouseStyle {
    pub byline_date: String,
    pub byline_time: String,
    pub dateline_date: String,
    pub dateline: String,
    pub header_date: String,
}

impl Default for HouseStyle {
    fn default() -> Self {
        Self {
            byline_date: "%B %-d, %Y".into(),
            byline_time: "%I:%M %p".into(),
            dateline_date: "{ordinal} %b, %Y".into(),
            dateline: "{place}, ({credit} - {date})".into(),
            header_date: "%A, %B %-d, %Y".into(),
        }
    }
}

/// One piece of a rendered dateline, so templates can mark up place, credit and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatelinePart {
    pub kind: DatelinePartKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatelinePartKind {
    Place,
    Credit,
    Date,
    Text,
}

/// Why a house-style pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the pattern {pattern:?} cannot format a date: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl HouseStyle {
    /// Checks every pattern once, so later formatting cannot fail.
    ///
    /// # Errors
    /// [`PatternError`] naming the first pattern strftime rejects.
    pub fn validate(&self) -> Result<(), PatternError> {
        let probe = Timestamp::UNIX_EPOCH.to_zoned_datetime(TimeZone::UTC);
        for pattern in [&self.byline_date, &self.byline_time, &self.dateline_date, &self.header_date] {
            let plain = pattern.replace("{ordinal}", "1st");
            jiff::fmt::strtime::format(plain.as_str(), &probe)
                .map_err(|e| PatternError { pattern: pattern.clone(), reason: e.to_string() })?;
        }
        Ok(())
    }

    /// `at` in the site's zone with `pattern`; falls back to RFC 3339 if the pattern is bad.
    pub fn format(&self, pattern: &str, at: Timestamp, tz: &TimeZone) -> String {
        let zoned = at.to_zoned_datetime(tz.clone());
        let day = zoned.day();
        let pattern = pattern.replace("{ordinal}", &format!("{day}{}", ordinal_suffix(day)));
        jiff::fmt::strtime::format(pattern.as_str(), &zoned).unwrap_or_else(|_| zoned.timestamp().to_string())
    }

    /// "February 27, 2025 | 08:34 PM" (without the leading word, which the caller adds).
    pub fn byline_moment(&self, at: Timestamp, tz: &TimeZone) -> String {
        format!("{} | {}", self.format(&self.byline_date, at, tz), self.format(&self.byline_time, at, tz))
    }

    /// The date shown in the site header.
    pub fn header_date(&self, at: Timestamp, tz: &TimeZone) -> String {
        self.format(&self.header_date, at, tz)
    }

    /// A dateline split into parts, in the order the pattern gives. An empty place drops the
    /// pattern text before `{credit}` that belongs to it (`"{place}, "`).
    pub fn dateline(&self, place: &str, credit: &str, at: Timestamp, tz: &TimeZone) -> Vec<DatelinePart> {
        let date = self.format(&self.dateline_date, at, tz);
        let mut parts = Vec::new();
        let mut rest = self.dateline.as_str();
        if place.trim().is_empty()
            && let Some(pos) = rest.find("{place}")
        {
            let after = &rest[pos + "{place}".len()..];
            let skip = after.find(|c: char| c != ',' && c != ' ').unwrap_or(after.len());
            rest = &after[skip..];
        }
        while !rest.is_empty() {
            let next = ["{place}", "{credit}", "{date}"]
                .iter()
                .filter_map(|tok| rest.find(tok).map(|pos| (pos, *tok)))
                .min();
            let Some((pos, tok)) = next else {
                push_text(&mut parts, rest);
                break;
            };
            push_text(&mut parts, &rest[..pos]);
            let (kind, text) = match tok {
                "{place}" => (DatelinePartKind::Place, place.trim().to_owned()),
                "{credit}" => (DatelinePartKind::Credit, credit.trim().to_owned()),
                _ => (DatelinePartKind::Date, date.clone()),
            };
            parts.push(DatelinePart { kind, text });
            rest = &rest[pos + tok.len()..];
        }
        parts
    }
}

fn push_text(parts: &mut Vec<DatelinePart>, text: &str) {
    if !text.is_empty() {
        parts.push(DatelinePart { kind: DatelinePartKind::Text, text: text.to_owned() });
    }
}

/// English ordinal suffix for a day of the month: 1st, 2nd, 3rd, 4th, 11th, 22nd.
pub fn ordinal_suffix(day: i8) -> &'static str {
    match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn karachi() -> TimeZone {
        TimeZone::get("Asia/Karachi").unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn joined(parts: &[DatelinePart]) -> String {
        parts.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn byline_is_in_the_site_zone() {
        let style = HouseStyle::default();
        // 15:34 UTC is 20:34 in Karachi (UTC+5).
        let moment = style.byline_moment(at("2025-02-27T15:34:00Z"), &karachi());
        assert_eq!(moment, "February 27, 2025 | 08:34 PM");
    }

    #[test]
    fn dateline_has_place_credit_and_ordinal_date() {
        let style = HouseStyle::default();
        let parts =
            style.dateline("Istanbul", "APP - Site / Partner Site", at("2025-02-27T15:34:00Z"), &karachi());
        assert_eq!(joined(&parts), "Istanbul, (APP - Site / Partner Site - 27th Feb, 2025)");
        assert_eq!(parts[0].kind, DatelinePartKind::Place);
        assert_eq!(parts[2].kind, DatelinePartKind::Credit);
        assert_eq!(parts[4].kind, DatelinePartKind::Date);
    }

    #[test]
    fn dateline_without_place_drops_its_comma() {
        let style = HouseStyle::default();
        let parts = style.dateline("", "APP", at("2025-03-01T10:00:00Z"), &karachi());
        assert_eq!(joined(&parts), "(APP - 1st Mar, 2025)");
    }

    #[test]
    fn ordinals() {
        let got: Vec<_> =
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].iter().map(|d| ordinal_suffix(*d)).collect();
        assert_eq!(got, ["st", "nd", "rd", "th", "th", "th", "th", "st", "nd", "rd", "st"]);
    }

    #[test]
    fn patterns_are_configurable_and_checked() {
        let style = HouseStyle { byline_date: "%d/%m/%Y".into(), ..HouseStyle::default() };
        assert!(style.validate().is_ok());
        assert_eq!(style.format(&style.byline_date, at("2025-02-27T15:34:00Z"), &karachi()), "27/02/2025");
        let bad = HouseStyle { byline_time: "%I:%M %".into(), ..HouseStyle::default() };
        assert!(bad.validate().is_err());
    }
}
