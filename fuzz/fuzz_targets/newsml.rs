//! Fuzzes `dateline_ingest::parse` as NewsML-G2: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dateline_ingest::parse(data, Some(dateline_ingest::Format::NewsMl), Some("https://wire.example.com/feeds/a/"));
});
