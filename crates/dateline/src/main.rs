//! The `dateline` command: serves the site (HTTP beside the newsroom's background work,
//! both stopped gracefully on SIGTERM), fills a database with demo content, manages
//! accounts, tokens and sources, reads wire files, rebuilds the search index and runs
//! benchmarks. It only wires the library crates together; every real decision lives in them.

mod abuse;
mod backup;
mod bench;
mod config;
mod demo;
mod demo_wire;
mod export;
mod import;
mod live_bench;
mod logs;
mod users;
mod wire;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{ServeArgs, StoreArgs};
use dateline_store::Store;
use std::sync::Arc;

/// mimalloc: the web server allocates many small strings per page from several threads;
/// glibc malloc spent a fifth of the CPU in its locks under load, mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "dateline", version, about = "Dateline: a newsroom publishing platform in one binary")]
struct Cli {
    /// Log as JSON lines instead of text.
    #[arg(long, global = true, env = "DATELINE_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the public site.
    Serve(ServeArgs),
    /// Fill the database with synthetic demo stories (original generated text).
    Demo(DemoArgs),
    /// Manage newsroom accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(users::TokenCommand),
    /// Read agency copy: parse feeds and wire files.
    #[command(subcommand)]
    Wire(wire::WireCommand),
    /// Manage news sources (agencies).
    #[command(subcommand)]
    Source(SourceCommand),
    /// Bring a site in from another system (its stories, sections, tags, authors, pictures
    /// and old addresses).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Write the whole site (database and local pictures) to one file while it serves.
    Backup(backup::BackupArgs),
    /// Put a backup back into a data folder.
    Restore(backup::RestoreArgs),
    /// Write everything the newsroom owns in open formats (ninjs stories, JSON, pictures) to
    /// a folder or a .tar.zst while the site serves.
    Export(export::ExportArgs),
    /// Rebuild the search index from the database (the server must be stopped).
    Reindex(ReindexArgs),
    /// Benchmarks that print their figures.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Parse and store synthetic feed items into a fresh SQLite database.
    Ingest(bench::IngestBench),
    /// Push items to a running server and time each until it shows on the site, in the
    /// feed and in search.
    Visible(bench::VisibleBench),
    /// Publish a backlog of wire copy into a running server while readers load a page.
    Backlog(bench::BacklogBench),
    /// Import a synthetic WordPress export into a fresh database and print the time and memory.
    Import(bench::ImportBench),
    /// Open readers' streams on a live blog of a running server and time entries reaching them.
    Live(live_bench::LiveBench),
    /// Attack a running server as an anonymous stranger would (for bench/run's abuse phase).
    Abuse(abuse::AbuseBench),
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Add a source and say how its copy arrives.
    Add(wire::SourceAdd),
}

#[derive(clap::Args)]
struct ReindexArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// How many stories to generate.
    #[arg(long, default_value_t = 1000)]
    stories: u64,
    /// Seed of the generator: the same seed gives the same stories.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    #[command(flatten)]
    store: StoreArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    private_files();
    logs::init(cli.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::User(command) => users::run(command).await,
            Command::Token(command) => users::run_token(command).await,
            Command::Wire(command) => std::process::exit(wire::run(command)),
            Command::Source(SourceCommand::Add(args)) => wire::add_source(args).await,
            Command::Bench(BenchCommand::Ingest(args)) => bench::ingest(args).await,
            Command::Bench(BenchCommand::Visible(args)) => bench::visible(args).await,
            Command::Bench(BenchCommand::Backlog(args)) => bench::backlog(args).await,
            Command::Bench(BenchCommand::Abuse(args)) => abuse::run(args).await,
            Command::Bench(BenchCommand::Import(args)) => bench::import(args).await,
            Command::Bench(BenchCommand::Live(args)) => live_bench::run(args).await,
            Command::Reindex(args) => reindex(args).await,
            Command::Backup(args) => exit_with(backup::back_up(args).await?),
            Command::Restore(args) => exit_with(backup::restore(args).await?),
            Command::Export(args) => exit_with(export::run(args).await?),
            Command::Import(command) => exit_with(import::run(command).await?),
            Command::Demo(args) => {
                let settings = config::Settings::resolve(&args.store, None)?;
                let store = open_store(&settings).await?;
                let pictures = dateline_newsroom::media::Pictures::new(settings.media_storage()?);
                demo::generate(
                    store.as_ref(),
                    &pictures,
                    &demo::Options { stories: args.stories, seed: args.seed, base_url: None },
                )
                .await?;
                Ok(())
            }
        }
    })
}

async fn open_store(settings: &config::Settings) -> anyhow::Result<Arc<dyn Store>> {
    let location = dateline_store::Location::choose(settings.database_url.as_deref(), &settings.data)?;
    dateline_store::open(&location).await.with_context(|| match &location {
        dateline_store::Location::SqliteDir(dir) => {
            format!("cannot open the database in {}", dir.display())
        }
        dateline_store::Location::Postgres(_) => "cannot open the PostgreSQL database".to_owned(),
    })
}

/// The search index in the data folder (`search/`), made when missing.
fn open_search(settings: &config::Settings) -> anyhow::Result<dateline_newsroom::search::Search> {
    let dir = settings.data.join("search");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot make {}", dir.display()))?;
    dateline_newsroom::search::Search::open(dir.clone()).with_context(|| {
        format!("cannot open the search index in {} (is another server using it?)", dir.display())
    })
}

/// `dateline reindex`: rebuilds the search index from the database, with a progress bar.
async fn reindex(args: ReindexArgs) -> anyhow::Result<()> {
    let settings = config::Settings::resolve(&args.store, None)?;
    let store = open_store(&settings).await?;
    let search = open_search(&settings)?;
    let total = store.story_count().await?;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} stories indexed ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let started = std::time::Instant::now();
    let count = search.reindex(store.as_ref(), move |n| shown.set_position(n)).await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let rate = count as f64 / seconds.max(0.001);
    say(format_args!("Indexed {count} published stories in {seconds:.1} s ({rate:.0} stories/s)."));
    tracing::info!(count, seconds, "search index rebuilt");
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = config::Settings::resolve(&args.store, Some(&args))?;
    let trusted_proxies = dateline_web::client::TrustedProxies::parse(&settings.http.trusted_proxies)
        .map_err(anyhow::Error::msg)?;
    let egress = settings.egress()?;
    // A bad [cdn] table stops the start with the reason, before anything is opened.
    let cdn = settings.cdn.settings()?;
    if let Some(cdn) = &cdn {
        cdn.check(&egress)?;
    }
    let store = open_store(&settings).await?;
    let theme = dateline_web::Theme::new(settings.theme.as_deref()).context("cannot load the theme")?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    let url = format!("http://{address}");
    // Operators' metrics on an address of their own, never on the public site.
    let metrics_listener = match &settings.metrics.listen {
        Some(listen) => Some(
            tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen for metrics on {listen}"))?,
        ),
        None => None,
    };
    let pictures = dateline_newsroom::media::Pictures::new(settings.media_storage()?);
    if args.demo {
        if store.story_count().await? == 0 {
            demo::generate(
                store.as_ref(),
                &pictures,
                &demo::Options { stories: demo::SERVE_DEMO_STORIES, seed: 2025, base_url: Some(url.clone()) },
            )
            .await?;
            demo_wire::add_agencies(store.as_ref(), jiff::Timestamp::now()).await?;
        } else {
            tracing::info!("the database already has stories; demo content is not added again");
        }
    }
    // What the demo agencies have still to send (nothing unless --demo filled this database).
    let demo_wire = if args.demo && !args.no_demo_wire {
        demo_wire::timetable(store.as_ref(), demo_wire::SEED, jiff::Timestamp::now()).await?
    } else {
        Vec::new()
    };
    let demo_login = if args.demo { Some(users::demo_administrator(store.as_ref()).await?) } else { None };
    say(format_args!("Dateline is serving {url}/"));
    say(format_args!("  data: {}", settings.describe_store()));
    if let Some((email, password)) = demo_login {
        say(format_args!("  newsroom: {url}/admin  (sign in as {email}, password {password})"));
    }
    if let Some(metrics) = &metrics_listener {
        say(format_args!("  metrics: http://{}/metrics", metrics.local_addr()?));
    }
    if let Some(last) = demo_wire.iter().map(|d| d.after / args.demo_wire_speed).max() {
        say(format_args!(
            "  wire desk: {url}/admin/wire  ({} demo wire items arrive over the next {} s)",
            demo_wire.len(),
            last.as_secs().max(1)
        ));
    }
    tracing::info!(%address, "serving");
    let search = open_search(&settings)?;
    let state = dateline_web::AppState::from(dateline_web::Parts {
        search,
        pictures,
        drop_root: dateline_newsroom::drop_folder::DropRoot::new(settings.wire.drop_root.clone()),
        trusted_proxies,
        egress,
        ..dateline_web::Parts::new(store, theme)
    })
    .with_wire_images(dateline_newsroom::wire_images::Settings::default())
    .with_embeds(settings.embeds.settings())
    .with_cdn(cdn)?;
    let mut workers = dateline_newsroom::Workers::start(state.background());
    if !demo_wire.is_empty() {
        let (store, images, clock) = (state.store.clone(), state.wire_images.clone(), state.clock.clone());
        let speed = args.demo_wire_speed;
        workers.add(move |stop| async move {
            dateline_newsroom::demo_wire::run(store, images, clock, demo_wire, speed, stop).await;
        });
    }
    let stopping = tokio_util::sync::CancellationToken::new();
    if let Some(listener) = metrics_listener {
        let (state, stop) = (state.clone(), stopping.clone().cancelled_owned());
        tokio::spawn(async move {
            if let Err(e) = dateline_web::metrics::serve_metrics(listener, state, stop).await {
                tracing::error!(error = %e, "the metrics server stopped");
            }
        });
    }
    let limits = settings.http_limits();
    let http =
        tokio::spawn(dateline_web::serve_with(listener, state, limits, stopping.clone().cancelled_owned()));
    tokio::pin!(http);
    tokio::select! {
        () = shutdown_signal() => {}
        ended = &mut http => {
            // The server stopped on its own: an I/O error. Stop the workers and report it.
            workers.stop().await;
            ended??;
            return Ok(());
        }
    }
    tracing::info!("stopping: requests and background work already running get a few seconds");
    stopping.cancel();
    let (served, ()) = tokio::join!(
        async {
            // A client that keeps its connection open must not hold the stop up.
            match tokio::time::timeout(STOP_HTTP_WITHIN, &mut http).await {
                Ok(ended) => ended.map_err(anyhow::Error::from).and_then(|r| Ok(r?)),
                Err(_) => {
                    http.abort();
                    Ok(())
                }
            }
        },
        workers.stop(),
    );
    tracing::info!("stopped");
    served
}

/// Ends the process with `code` when it is not 0 (a refusal already explained).
fn exit_with(code: i32) -> anyhow::Result<()> {
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}

/// Makes every file and folder this process creates (the database, the search index,
/// pictures, logs written to a file) readable by its owner only: 0600 and 0700.
fn private_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// How long requests already running may take once a stop is asked for.
const STOP_HTTP_WITHIN: std::time::Duration = std::time::Duration::from_secs(8);

/// Completes on Ctrl-C or SIGTERM (what `systemctl stop`, `docker stop` and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Prints a line for the operator; a closed standard output (the server piped into a
/// program that stopped reading) must not stop the server.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{line}");
}
