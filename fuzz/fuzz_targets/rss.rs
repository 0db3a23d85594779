//! Fuzzes `dateline_ingest::parse` as RSS: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dateline_ingest::parse(data, Some(dateline_ingest::Format::Rss), Some("https://wire.example.com/feeds/a/"));
});
