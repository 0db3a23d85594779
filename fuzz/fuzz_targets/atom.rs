//! Fuzzes `dateline_ingest::parse` as Atom: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dateline_ingest::parse(data, Some(dateline_ingest::Format::Atom), Some("https://wire.example.com/feeds/a/"));
});
