//! Fuzzes the WordPress export reader and the content conversion (`wxr`, `wp_content`): no
//! input may panic, hang or exhaust memory.
#![no_main]

struct NoPictures;

impl dateline_ingest::wp_content::Gallery for NoPictures {
    fn attachment(&self, id: &str) -> Option<String> {
        Some(format!("https://example.org/{id}.jpg"))
    }
    fn attached(&self) -> Vec<String> {
        Vec::new()
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut reader = dateline_ingest::wxr::WxrReader::new(data);
    while let Ok(Some(entry)) = reader.next_entry() {
        if let dateline_ingest::wxr::WxrEntry::Item(item) = entry {
            let _ = dateline_ingest::wp_content::to_html(&item.content, &NoPictures);
        }
    }
    // The content conversion on its own, for inputs that are not XML.
    let _ = dateline_ingest::wp_content::to_html(&String::from_utf8_lossy(data), &NoPictures);
});
