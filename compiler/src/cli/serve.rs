//! `dexpc serve POLICY...`: the decision service. Policies are served over HTTP/1.1 (optionally
//! TLS) on the same runtime and workers as `dexpc eval`, reloaded atomically when their files
//! change, with limits, bearer-token access, Prometheus metrics and an optional decision log.
//!
//! The pieces: [`state`] holds the served versions and swaps them; [`reload`] compiles new
//! versions off the request path and watches the files; [`routes`] answers requests;
//! [`batch`] streams NDJSON; [`limits`], [`auth`], [`metrics`], [`decision_log`] and [`tls`]
//! are what their names say. This file parses the options, starts everything and shuts it
//! down in order.

// A refusal (`ApiError`) is built at most once per request, on the refusal path: boxing it
// to make `Result`s smaller would buy nothing.
#![allow(clippy::result_large_err)]

mod auth;
mod batch;
mod decision_log;
mod error;
mod limits;
mod metrics;
mod reload;
mod routes;
mod state;
mod tls;

use super::CliError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The default address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8181";

/// How logs are written to standard error.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

/// The options of `dexpc serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Policies to serve: `PATH` (served under the file's stem) or `NAME=PATH`; `.dexp` sources
    /// are compiled, `.wasm` modules are loaded as untrusted.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<String>,
    /// The address to listen on; port 0 picks a free port. The bound address is printed on
    /// standard output as `listening on http://ADDR` (or `https://`).
    #[arg(long, default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// A file holding the bearer token every endpoint but `/healthz` then requires; also
    /// enables `POST /v1/admin/reload`.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// A PEM certificate chain; with `--tls-key`, serve HTTPS only.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The largest body `/decide` accepts (413 beyond).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// The largest body `/batch` accepts (413 when the declared length is larger; a chunked
    /// body that grows past it is cut off).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_batch_bytes: u64,
    /// Evaluations running at once (a `/decide` is one, a `/batch` one or more); further
    /// requests queue (default: twice the number of cores).
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
    /// How long a request may wait in the queue for an evaluation slot before it is refused
    /// with 429.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub queue_timeout_ms: u64,
    /// The deadline of each evaluation call (one `/decide` record, or one chunk of a `/batch`,
    /// whose records are then retried one by one), enforced by the runtime's epoch
    /// interruption.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub deadline_ms: u64,
    /// Give each record this much fuel instead of a deadline (deterministic, slower).
    #[arg(long, value_name = "UNITS")]
    pub fuel: Option<u64>,
    /// How often the policy files are checked for changes; 0 turns watching off (SIGHUP and
    /// the admin endpoint still reload).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub watch_interval_ms: u64,
    /// Append one NDJSON entry per decided or rejected record to this file.
    #[arg(long, value_name = "FILE")]
    pub decision_log: Option<PathBuf>,
    /// Replace the value of this input field (dotted path, through lists) in the decision log
    /// with `"<masked>"`; repeatable.
    #[arg(long, value_name = "PATH")]
    pub mask_field: Vec<String>,
    /// How logs are written to standard error.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// How long shutdown waits for requests in flight before closing their connections.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub drain_timeout_ms: u64,
    /// Worker threads of the HTTP server (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Runs `dexpc serve` until SIGTERM or Ctrl-C.
pub fn run(args: ServeArgs) -> Result<ExitCode, CliError> {
    init_logging(args.log_format);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.unwrap_or(cores).max(1))
        .max_blocking_threads((args.max_concurrent.unwrap_or(cores * 2).max(1) + 4).max(8))
        .enable_all()
        .thread_name("dexp-serve")
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(args, cores))
}

async fn serve(args: ServeArgs, cores: usize) -> Result<ExitCode, CliError> {
    let config = state::Config::from_args(&args, cores)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    let addr: SocketAddr =
        args.addr.parse().map_err(|e| CliError::Other(format!("`{}` is not an address: {e}", args.addr)))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::Other(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| CliError::Other(format!("cannot read the bound address: {e}")))?;
    let log = match &args.decision_log {
        Some(path) => Some(decision_log::DecisionLog::open(path, &args.mask_field)?),
        None => None,
    };
    let app = Arc::new(state::App::new(config, log)?);
    // Every policy is loaded before the first request is answered, but the server listens
    // (and `/readyz` answers 503) even when one does not load: it is retried on every change.
    for slot in app.slots() {
        reload::reload(&app, slot, reload::Trigger::Startup).await;
    }
    let watcher = tokio::spawn(reload::watch(app.clone()));
    let hangup = tokio::spawn(reload::on_hangup(app.clone()));
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{bound}");
    tracing::info!(address = %bound, scheme, policies = app.slots().len(), "listening");
    let service = routes::Service::new(app.clone());
    let drain = Duration::from_millis(args.drain_timeout_ms);
    let served = accept_loop(listener, service, tls, drain).await;
    watcher.abort();
    hangup.abort();
    app.close_decision_log();
    tracing::info!("stopped");
    served.map(|()| ExitCode::SUCCESS)
}

/// Accepts connections until a shutdown signal, then stops accepting and lets the requests in
/// flight finish (up to `drain`).
async fn accept_loop(
    listener: tokio::net::TcpListener,
    service: routes::Service,
    tls: Option<tokio_rustls::TlsAcceptor>,
    drain: Duration,
) -> Result<(), CliError> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (tcp, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let service = service.clone();
        let watcher = graceful.watcher();
        match tls.clone() {
            None => {
                tokio::spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
                    let _ = watcher.watch(conn).await;
                });
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    let handshake = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
                    let stream = match handshake {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    };
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                });
            }
        }
    }
    drop(listener);
    tracing::info!("shutting down: draining requests in flight");
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!(timeout_ms = drain.as_millis() as u64, "requests still in flight after the drain timeout");
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(tracing::Level::INFO);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
