//! Fuzzes `dateline_ingest::parse` with no format given: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dateline_ingest::parse(data, None, Some("https://wire.example.com/feeds/a/"));
});
