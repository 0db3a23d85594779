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
        /// The address the file was fetched from: relative links are resolved against it.
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
}

/// Runs the command; returns the process exit status.
pub fn run(command: WireCommand) -> i32 {
    let WireCommand::Parse { file, format, base } = command;
    if let Some(base) = base.as_deref().filter(|b| url::Url::parse(b).is_err()) {
        eprintln!("error: --base {base:?} is not an absolute address such as https://example.com/feed.xml");
        return 2;
    }
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
    let outcome = std::panic::catch_unwind(|| dateline_ingest::parse(&bytes, format, base.as_deref()));
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
    /// manual, push-ninjs or push-newsml (push kinds get a token to POST with), rss, atom or
    /// jsonfeed (polled from --url), or drop-newsml (files dropped into --folder).
    #[arg(long, default_value = "manual")]
    pub kind: String,
    /// Feed address, for rss, atom and jsonfeed.
    #[arg(long)]
    pub url: Option<String>,
    /// The folder NewsML-G2 files are dropped into, for drop-newsml (made when missing).
    #[arg(long)]
    pub folder: Option<PathBuf>,
    /// Seconds between looks (at least 10 for feeds, 1 for drop folders).
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
    use dateline_core::WireConfig;
    let location = if args.kind == "drop-newsml" {
        args.folder
            .as_ref()
            .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()).display().to_string())
    } else {
        args.url.clone().filter(|_| WireConfig::is_feed(&args.kind))
    };
    let mut config = WireConfig {
        kind: args.kind.clone(),
        location,
        section: None,
        byline: args.byline.clone(),
        language: args.language.clone(),
        auto_publish: args.auto_publish,
    };
    if let Err(errors) = config.validate(args.every) {
        let flag = |field: &str| match field {
            "location" if args.kind == "drop-newsml" => "--folder".to_owned(),
            "location" => "--url".to_owned(),
            "poll_seconds" => "--every".to_owned(),
            other => format!("--{other}"),
        };
        let lines: Vec<String> = errors.iter().map(|e| format!("{}: {}", flag(e.field), e.message)).collect();
        anyhow::bail!("{}", lines.join("; "));
    }
    let settings = crate::config::Settings::resolve(&args.store, None)?;
    if let Some(folder) = config.location.clone().filter(|_| args.kind == "drop-newsml") {
        // Only under the drop root: checked before the folder is made, and again (symlinks
        // followed) once it exists.
        let root = settings.wire.drop_root.as_deref().and_then(|r| std::fs::canonicalize(r).ok());
        if !root.is_some_and(|root| std::path::Path::new(&folder).starts_with(root)) {
            anyhow::bail!("--folder: drop folders must be under [wire] drop_root in dateline.toml");
        }
        std::fs::create_dir_all(&folder).with_context(|| format!("cannot make the drop folder {folder}"))?;
        let root = dateline_newsroom::drop_folder::DropRoot::new(settings.wire.drop_root.clone());
        let resolved = root.resolve(&folder).map_err(|e| anyhow::anyhow!("--folder: {e}"))?;
        config.location = Some(resolved.display().to_string());
    }
    let store = crate::open_store(&settings).await?;
    let slug = dateline_core::Slug::from_title(&args.name).context("the name needs letters or digits")?;
    let section = match &args.section {
        Some(s) => Some(store.section_by_slug(s).await?.with_context(|| format!("no section {s:?}"))?.id),
        None => None,
    };
    let credit = args.credit.clone().unwrap_or_else(|| args.name.clone());
    let new = dateline_core::NewSource { slug, name: args.name.clone(), credit };
    let operator = dateline_core::Actor::System("command line");
    let source = dateline_newsroom::taxonomy::create_source(store.as_ref(), &operator, &new)
        .await
        .context("cannot create the source")?;
    let token = if WireConfig::is_push(&args.kind) {
        Some(dateline_core::secrets::new_token("dl_push_")?)
    } else {
        None
    };
    config.section = section;
    let hash = token.as_deref().map(dateline_core::secrets::token_hash);
    store.save_wire_settings(source.id, &config, args.every, hash.as_deref(), jiff::Timestamp::now()).await?;
    println!("Created source {} ({}, {}).", source.id, source.name, args.kind);
    if let Some(token) = token {
        println!(
            "Push to /api/wire/v1/sources/{}/items with: Authorization: Bearer {token}  (shown once)",
            source.id
        );
    }
    Ok(())
}
