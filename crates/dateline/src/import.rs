//! `dateline import ...`: a site moved in from WordPress or Ghost, through the newsroom's
//! importers as the operator (`dateline_newsroom::import`), with a progress bar, a summary
//! table at the end and the full report written as JSON.

use crate::config::{Settings, StoreArgs};
use anyhow::Context;
use clap::Subcommand;
use dateline_core::Actor;
use dateline_newsroom::import::{self, ImportError, MediaFrom, Options, Progress, Report};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (WXR 1.0 to 1.2, from Tools → Export).
    Wordpress(ImportArgs),
    /// A Ghost export (JSON, Ghost 4 or 5, from Settings → Labs → Export).
    Ghost(ImportArgs),
    /// An export of another Dateline (`dateline export`: a folder or a .tar.zst).
    Dateline(crate::export::DatelineImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The export file.
    file: PathBuf,
    /// Read and check everything, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// A copy of the old site's uploads folder (WordPress `wp-content/uploads`, Ghost
    /// `content/images`): pictures are read from it, and fetched only when missing there.
    #[arg(long, conflicts_with = "no_media")]
    media_from: Option<PathBuf>,
    /// Do not bring pictures over: stories keep their original addresses.
    #[arg(long)]
    no_media: bool,
    /// Where the JSON report goes [default: FILE.report.json beside the export].
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Who the command line acts as: the operator, who runs the site.
const OPERATOR: Actor = Actor::System("import");

/// Runs the import; the exit code is 0 when every post came in or was knowingly skipped,
/// 1 when some failed, 2 when the import could not run or stopped.
pub async fn run(command: ImportCommand) -> anyhow::Result<i32> {
    let (args, ghost) = match command {
        ImportCommand::Wordpress(args) => (args, false),
        ImportCommand::Ghost(args) => (args, true),
        ImportCommand::Dateline(args) => return crate::export::import(args).await,
    };
    let settings = Settings::resolve(&args.store, None)?;
    let store = crate::open_store(&settings).await?;
    let pictures = dateline_newsroom::media::Pictures::new(settings.media_storage()?);
    let media = match (&args.media_from, args.no_media) {
        (_, true) => MediaFrom::Skip,
        (Some(dir), false) => {
            anyhow::ensure!(dir.is_dir(), "--media-from {}: not a folder", dir.display());
            MediaFrom::Folder(dir.clone(), settings.egress()?)
        }
        (None, false) => MediaFrom::Fetch(settings.egress()?),
    };
    let options = Options { dry_run: args.dry_run, media, pictures };
    let bar = progress_bar();
    let shown = bar.clone();
    let progress: import::OnProgress = Arc::new(move |p: Progress| {
        shown.set_length(p.total);
        shown.set_position(p.read);
        shown.set_message(format!("{} posts", p.posts));
    });
    let outcome = if ghost {
        import::ghost::import(store.as_ref(), &OPERATOR, &args.file, &options, progress).await
    } else {
        import::wordpress::import(store.as_ref(), &OPERATOR, &args.file, &options, progress).await
    };
    bar.finish_and_clear();
    finish(outcome, &args.file, args.report.as_deref())
}

/// What every import command does at its end: the report written as JSON (to `report`, or
/// beside `file`) and shown as a table, and the exit code: 0 when every post came in or was
/// knowingly skipped, 1 when some failed, 2 when the file could not be imported (nothing
/// written) or the import stopped part-way (the report says what came in).
///
/// # Errors
/// When the report cannot be written, or the import could not start.
pub fn finish(
    outcome: Result<Report, ImportError>,
    file: &Path,
    report: Option<&Path>,
) -> anyhow::Result<i32> {
    let report_file = report.map_or_else(|| default_report_file(file), Path::to_owned);
    match outcome {
        Ok(report) => {
            write_report(&report, &report_file)?;
            print!("{}", report.table());
            println!("Full report: {}", report_file.display());
            if let Some(stopped) = &report.stopped {
                eprintln!(
                    "the import stopped: {stopped}; what came in is in the report, and running it again carries on"
                );
                return Ok(2);
            }
            Ok(if report.posts.failed > 0 { 1 } else { 0 })
        }
        Err(ImportError::Unreadable(reason)) => {
            eprintln!("{}: {reason}; nothing was imported", file.display());
            Ok(2)
        }
        Err(e) => Err(anyhow::Error::new(e).context("the import could not start")),
    }
}

fn default_report_file(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".report.json");
    file.with_file_name(name)
}

fn write_report(report: &Report, file: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(report)?;
    std::fs::write(file, json).with_context(|| format!("cannot write the report to {}", file.display()))
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {percent}% of the file, {msg} ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
