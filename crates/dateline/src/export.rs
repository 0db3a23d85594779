//! `dateline export --to DIR|FILE.tar.zst` and `dateline import dateline EXPORT`: the whole
//! site in open formats (ninjs 2.0 stories, JSON, the pictures' originals) while it serves,
//! and such an export brought into another Dateline, through
//! `dateline_newsroom::import::dateline` as the operator. Accounts, password hashes,
//! sessions, tokens and webhook secrets are never exported.

use crate::config::{Settings, StoreArgs};
use dateline_core::Actor;
use dateline_newsroom::import::dateline::{self, ExportError};
use dateline_newsroom::import::{self, ImportError, MediaFrom, Options, Progress};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Where to write: a folder (made; it must not exist or be empty) or FILE.tar.zst (it
    /// must not exist).
    #[arg(long)]
    to: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(clap::Args)]
pub struct DatelineImportArgs {
    /// The export: a folder or a .tar.zst written by `dateline export`.
    export: PathBuf,
    /// Read and check everything, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where the JSON report goes [default: EXPORT.report.json beside the export].
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Who the command line acts as: the operator, who runs the site.
const OPERATOR: Actor = Actor::System("command line");

/// Exit code 0 when written, 2 when refused (with the reason on standard error).
pub async fn run(args: ExportArgs) -> anyhow::Result<i32> {
    let settings = Settings::resolve(&args.store, None)?;
    let store = crate::open_store(&settings).await?;
    let pictures = dateline_newsroom::media::Pictures::new(settings.media_storage()?);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} stories exported ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let progress = move |done: u64, total: u64| {
        shown.set_length(total);
        shown.set_position(done);
    };
    let started = std::time::Instant::now();
    let outcome = dateline::export(store.as_ref(), &OPERATOR, &pictures, &args.to, &progress).await;
    bar.finish_and_clear();
    match outcome {
        Ok(manifest) => {
            let counts = &manifest.counts;
            println!(
                "Exported {} stories, {} sections, {} tags, {} authors, {} sources, {} old addresses and {} pictures ({} files) to {} ({:.1} MB) in {:.1} s.",
                counts.stories,
                counts.sections,
                counts.tags,
                counts.authors,
                counts.sources,
                counts.redirects,
                counts.media,
                counts.media_files,
                args.to.display(),
                size_of(&args.to) as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            println!("Not exported: {}.", manifest.not_exported.join(", "));
            Ok(0)
        }
        Err(ExportError::Refused(reason)) => {
            eprintln!("{reason}");
            Ok(2)
        }
        Err(e) => Err(anyhow::Error::new(e).context("the export stopped; nothing was written")),
    }
}

/// Bytes of a file, or of every file in a folder.
fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else { return 0 };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path).map(|entries| entries.flatten().map(|e| size_of(&e.path())).sum()).unwrap_or(0)
}

/// `dateline import dateline EXPORT`: exit 0 when every story came in, 1 when some failed,
/// 2 when the export cannot be imported (nothing written) or the import stopped part-way
/// (the report says what came in).
pub async fn import(args: DatelineImportArgs) -> anyhow::Result<i32> {
    // A newer export, or none at all, is refused before the database is even opened.
    let export = args.export.clone();
    if let Err(ImportError::Unreadable(reason)) =
        tokio::task::spawn_blocking(move || dateline::read_manifest(&export)).await?
    {
        eprintln!("{}: {reason}; nothing was imported", args.export.display());
        return Ok(2);
    }
    let settings = Settings::resolve(&args.store, None)?;
    let store = crate::open_store(&settings).await?;
    let pictures = dateline_newsroom::media::Pictures::new(settings.media_storage()?);
    let options = Options { dry_run: args.dry_run, media: MediaFrom::Skip, pictures };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} stories ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let progress: import::OnProgress = Arc::new(move |p: Progress| {
        shown.set_length(p.total);
        shown.set_position(p.posts);
    });
    let outcome = dateline::import(store.as_ref(), &OPERATOR, &args.export, &options, progress).await;
    bar.finish_and_clear();
    crate::import::finish(outcome, &args.export, args.report.as_deref())
}
