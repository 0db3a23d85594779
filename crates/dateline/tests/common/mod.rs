//! What the binary's test files share.

use std::time::Duration;

/// Waits until a server started on an existing site has its search index (a first start
/// rebuilds it in the background): story pages show related stories from it, so pages are
/// only the same as another server's once it answers.
pub fn wait_for_search(url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let started = std::time::Instant::now();
        let home = client.get(format!("{url}/")).send().await.unwrap().text().await.unwrap();
        // Words of the headlines on the home page (the text of story links).
        let mut words: Vec<String> = home
            .split("href=\"/story/")
            .skip(1)
            .filter_map(|s| s.split_once("\">").and_then(|(_, rest)| rest.split('<').next()))
            .flat_map(|headline| headline.split(|c: char| !c.is_ascii_alphabetic()))
            .filter(|w| w.len() > 5)
            .map(str::to_lowercase)
            .collect();
        words.dedup();
        words.truncate(8);
        while started.elapsed() < Duration::from_secs(20) {
            for word in &words {
                let found =
                    client.get(format!("{url}/search?q={word}")).send().await.unwrap().text().await.unwrap();
                if found.contains("href=\"/story/") {
                    return;
                }
            }
            if words.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the search index of {url} was not ready within 20 s (searched for {words:?})");
    });
}
