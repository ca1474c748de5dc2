//! The floor of `dexpc serve`'s single decisions (issue 10): the same HTTP stack (axum's router
//! on hyper's HTTP/1.1 connections, on a tokio runtime of `--threads N` workers, `TCP_NODELAY`)
//! answering `POST /v1/policies/{name}/decide` with a decision prepared beforehand, after
//! reading the whole body, and doing nothing else: no policy, no JSON, no metrics.
//! `scripts/bench-serve.sh` loads it with wrk in the same placements as `dexpc serve`, so its
//! latency is what the machine, the kernel's loopback and the HTTP stack cost alone.
//!
//! `http_floor RESPONSE_FILE [--addr ADDR] [--threads N]` prints `listening on http://ADDR`, as
//! `dexpc serve` does, then serves until killed.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hyper_util::service::TowerToHyperService;
use std::process::ExitCode;

/// `dexpc serve`'s default body limit.
const MAX_BODY: usize = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut addr, mut threads, mut response) = ("127.0.0.1:0".to_string(), None, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match (arg.as_str(), rest.clone().next()) {
            ("--addr", Some(value)) => {
                addr = value.clone();
                rest.next();
            }
            ("--threads", Some(value)) => {
                threads = value.parse::<usize>().ok();
                rest.next();
            }
            (path, _) if response.is_none() && !path.starts_with("--") => response = Some(path.to_string()),
            _ => {
                eprintln!("usage: http_floor RESPONSE_FILE [--addr ADDR] [--threads N]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(response) = response else {
        eprintln!("usage: http_floor RESPONSE_FILE [--addr ADDR] [--threads N]");
        return ExitCode::from(2);
    };
    match run(&response, &addr, threads) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("http_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(response: &str, addr: &str, threads: Option<usize>) -> Result<(), Box<dyn std::error::Error>> {
    let body = Bytes::from(std::fs::read(response)?);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.unwrap_or(cores).max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let router = Router::new().route("/v1/policies/{name}/decide", post(decide)).with_state(body);
        let service = TowerToHyperService::new(router);
        loop {
            let (tcp, _) = listener.accept().await?;
            let _ = tcp.set_nodelay(true);
            let service = service.clone();
            tokio::spawn(async move {
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
                let _ = conn.await;
            });
        }
    })
}

/// Reads the request's body, then answers with the prepared decision.
async fn decide(State(prepared): State<Bytes>, request: Request) -> Response {
    match to_bytes(request.into_body(), MAX_BODY).await {
        Ok(_) => ([(header::CONTENT_TYPE, "application/json")], Body::from(prepared)).into_response(),
        Err(e) => (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}
