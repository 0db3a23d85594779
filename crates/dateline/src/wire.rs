//! `dateline wire parse FILE`: runs a wire parser on a file and prints the normalised
//! result as one JSON object, or one line saying why it cannot, with exit status 2.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum WireCommand {
    /// Parse a feed or wire file and print the normalised items as JSON.
    Parse {
        file: PathBuf,
        /// auto, rss, atom, jsonfeed, ninjs or newsml.
        #[arg(long, default_value = "auto")]
        format: String,
    },
}

/// Runs the command; returns the process exit status.
pub fn run(command: WireCommand) -> i32 {
    let WireCommand::Parse { file, format } = command;
    let format = match format.as_str() {
        "auto" => None,
        name => match dateline_ingest::Format::parse(name) {
            Some(f) => Some(f),
            None => {
                eprintln!("error: unknown format {name:?}: use auto, rss, atom, jsonfeed, ninjs or newsml");
                return 2;
            }
        },
    };
    let bytes = match read_limited(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
    };
    // The parsers do not panic on any input; this turns a bug into a clean error all the same.
    let outcome = std::panic::catch_unwind(|| dateline_ingest::parse(&bytes, format));
    match outcome {
        Ok(Ok(parsed)) => match serde_json::to_string_pretty(&parsed) {
            Ok(json) => {
                println!("{json}");
                0
            }
            Err(e) => {
                eprintln!("error: cannot write the result: {e}");
                2
            }
        },
        Ok(Err(e)) => {
            eprintln!("error: {}: {e}", file.display());
            2
        }
        Err(_) => {
            eprintln!("error: {}: the parser failed unexpectedly", file.display());
            2
        }
    }
}

/// Reads at most one byte more than the parsers accept, so a huge file is refused without
/// being loaded whole.
fn read_limited(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(dateline_ingest::prepare::MAX_BYTES as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

/// `dateline source add`: a news source (agency) and how its copy arrives.
#[derive(clap::Args)]
pub struct SourceAdd {
    /// The agency's name, e.g. "APP".
    pub name: String,
    /// manual, push-ninjs or push-newsml (push kinds get a token to POST with), or rss, atom
    /// or jsonfeed (polled from --url).
    #[arg(long, default_value = "manual")]
    pub kind: String,
    /// Feed address, for polled kinds.
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds between polls (at least 10).
    #[arg(long, default_value_t = 300)]
    pub every: i64,
    /// Credit text on stories [default: the name].
    #[arg(long)]
    pub credit: Option<String>,
    /// Slug of the section new stories go to [default: the first section].
    #[arg(long)]
    pub section: Option<String>,
    /// Byline (an author's name) for its stories [default: the item's own].
    #[arg(long, default_value = "")]
    pub byline: String,
    /// Language of its copy [default: the item's own, else the site's].
    #[arg(long)]
    pub language: Option<String>,
    /// Publish items at once instead of holding them for the wire desk.
    #[arg(long)]
    pub auto_publish: bool,
    #[command(flatten)]
    pub store: crate::config::StoreArgs,
}

/// Creates the source and prints its id (and push token, once, for push kinds).
pub async fn add_source(args: SourceAdd) -> anyhow::Result<()> {
    use anyhow::Context;
    const KINDS: [&str; 6] = ["manual", "push-ninjs", "push-newsml", "rss", "atom", "jsonfeed"];
    if !KINDS.contains(&args.kind.as_str()) {
        anyhow::bail!("unknown kind {:?}: use {}", args.kind, KINDS.join(", "));
    }
    let polled = matches!(args.kind.as_str(), "rss" | "atom" | "jsonfeed");
    match &args.url {
        Some(url) if polled && !(url.starts_with("http://") || url.starts_with("https://")) => {
            anyhow::bail!("--url must be an http:// or https:// address")
        }
        None if polled => anyhow::bail!("a polled source needs --url"),
        _ => {}
    }
    let store = crate::open_store(&crate::config::Settings::resolve(&args.store, None)?).await?;
    let slug = dateline_core::Slug::from_title(&args.name).context("the name needs letters or digits")?;
    let section = match &args.section {
        Some(s) => Some(store.section_by_slug(s).await?.with_context(|| format!("no section {s:?}"))?.id),
        None => None,
    };
    let credit = args.credit.clone().unwrap_or_else(|| args.name.clone());
    let source = store
        .create_source(&dateline_core::NewSource { slug, name: args.name.clone(), credit })
        .await
        .context("cannot create the source")?;
    let token = if args.kind.starts_with("push-") {
        Some(dateline_core::secrets::new_token("dl_push_")?)
    } else {
        None
    };
    let config = dateline_core::WireConfig {
        kind: args.kind.clone(),
        location: args.url.clone().filter(|_| polled),
        section,
        byline: args.byline.clone(),
        language: args.language.clone(),
        auto_publish: args.auto_publish,
    };
    let hash = token.as_deref().map(dateline_core::secrets::token_hash);
    store.configure_source(source.id, &config, hash.as_deref()).await?;
    if polled {
        store.set_polling(source.id, args.every, jiff::Timestamp::now()).await?;
    }
    println!("Created source {} ({}, {}).", source.id, source.name, args.kind);
    if let Some(token) = token {
        println!(
            "Push to /api/wire/v1/sources/{}/items with: Authorization: Bearer {token}  (shown once)",
            source.id
        );
    }
    Ok(())
}
