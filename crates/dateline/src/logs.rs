//! The process's log: plain lines on standard error, or JSON with `--log-json`.
//!
//! Log fields often carry what someone outside typed (an e-mail address at sign-in, a feed's
//! title, a URL). A newline in such a value must not start a forged log line, so every field
//! of a plain line is written with its control characters escaped (`\n`, `\u{1b}`, ...), in
//! one place for every log call. JSON lines escape them by the format.

use tracing_subscriber::field::MakeExt;

/// Starts logging: `RUST_LOG` filters, default `info` with sqlx and tower-http quieter.
pub fn init(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.fmt_fields(escaped_fields()).init();
    }
}

/// Formats each field as `name=value` (the message bare), control characters escaped.
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        if field.name() == "message" {
            writer.write_str(&escape_controls(&text))
        } else {
            write!(writer, "{}={}", field.name(), escape_controls(&text))
        }
    })
    .delimited(" ")
}

/// `text` with every control character written as a Rust escape.
fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_newline_in_a_field_cannot_forge_a_log_line() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .fmt_fields(escaped_fields())
            .finish();
        let typed = "x@example.com\n2026-12-06T00:00:00Z  INFO signed in user=admin@example.com";
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(account = %typed, "failed sign-in");
            tracing::info!(account = ?typed, "failed sign-in");
        });
        let bytes = captured.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.lines().all(|line| line.contains("failed sign-in")), "{text}");
        assert!(text.contains(r"x@example.com\n2026"), "{text}");
    }

    #[test]
    fn plain_text_is_left_alone() {
        assert_eq!(escape_controls("Karachi کراچی"), "Karachi کراچی");
        assert_eq!(escape_controls("a\u{1b}[31mb\r"), "a\\u{1b}[31mb\\r");
    }
}
