//! The HTTP endpoints (except the streaming `/batch`, in [`super::batch`]):
//!
//! | endpoint | answer |
//! |---|---|
//! | `POST /v1/policies/{name}/decide[?explain=true]` | `{"policy","version","hash","decision"}`, or a 400 with the record's error |
//! | `GET /v1/policies`, `GET /v1/policies/{name}` | name, version, hash, load time, schema |
//! | `GET /healthz` | 200 while the process runs (no token needed) |
//! | `GET /readyz` | 200 once every policy has a version, 503 before |
//! | `GET /metrics` | Prometheus text |
//! | `POST /v1/admin/reload` | rereads every policy (only with `--token-file`) |
//!
//! Every refusal uses the JSON shape of [`super::error`]; every answer that involves a policy
//! version carries its hash in the `dexp-policy-hash` header. [`Service`] is what each
//! connection runs: the router, with every response counted in the metrics.
//!
//! `/decide` is the hot path (tens of thousands of requests a second): a small record is
//! decided on the async worker that read it, and nothing on the way allocates or locks more
//! than the decision needs (the record's key and text are read only for the decision log or a
//! refusal).

use super::batch::{self, evaluate, Evaluated};
use super::decision_log::{rfc3339, Entry};
use super::error::{json_body, ApiError, Code, HASH_HEADER};
use super::metrics::Route;
use super::reload::{self, Outcome, Trigger};
use super::state::{App, Slot, Version};
use super::{auth, limits};
use crate::cli::eval::Batch;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use dexp_runtime::json::{probe_key, write_str};
use hyper::body::Incoming;
use hyper_util::service::TowerToHyperService;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// The application's routes, with the token check and the request metrics.
pub fn router(app: Arc<App>) -> Router {
    let mut protected = Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/policies", get(list))
        .route("/v1/policies/{name}", get(show))
        .route("/v1/policies/{name}/decide", post(decide))
        .route("/v1/policies/{name}/batch", post(batch::handle));
    // Without a token there is nothing to check: no layer, so requests skip it entirely.
    if app.config.token.is_some() {
        protected = protected
            .route("/v1/admin/reload", post(admin_reload))
            .route_layer(middleware::from_fn_with_state(app.clone(), auth::require_token));
    }
    Router::new()
        .route("/healthz", get(healthz))
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

/// The application as the service of a connection: the router, with every response counted by
/// route, status and refusal code. Counting here rather than in a router layer saves the layer's
/// per-request service clone and boxing.
#[derive(Clone)]
pub struct Service {
    router: TowerToHyperService<Router>,
    app: Arc<App>,
}

impl Service {
    /// The routes of `app`.
    pub fn new(app: Arc<App>) -> Service {
        Service { router: TowerToHyperService::new(router(app.clone())), app }
    }
}

impl hyper::service::Service<hyper::Request<Incoming>> for Service {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let route = Route::of(request.uri().path());
        let answer = self.router.call(request);
        let app = self.app.clone();
        Box::pin(async move {
            let response = answer.await?;
            let refusal = response.extensions().get::<Code>().copied();
            app.metrics.request(route, response.status().as_u16(), refusal);
            Ok(response)
        })
    }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(Code::NotFound, format!("no endpoint `{}`", uri.path()))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(Code::MethodNotAllowed, format!("`{}` does not accept {}", request.uri().path(), request.method()))
}

async fn healthz() -> Response {
    json_body(json!({ "status": "ok" }).to_string())
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let waiting: Vec<&str> =
        app.slots().iter().filter(|s| s.current.load().is_none()).map(|s| s.name.as_str()).collect();
    if waiting.is_empty() {
        return json_body(json!({ "status": "ready" }).to_string());
    }
    let mut error = ApiError::new(Code::NotReady, format!("not loaded yet: {}", waiting.join(", ")));
    error.extra = Some(("waiting", json!(waiting)));
    error.into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.render(&app);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))], text)
        .into_response()
}

/// What `GET /v1/policies` says about a policy.
fn describe(slot: &Slot, version: Option<&Version>) -> Value {
    let Some(v) = version else {
        return json!({ "name": slot.name, "status": "not_ready" });
    };
    let schema = v.compiled.schema();
    let record_name = |i: u32| schema.records.get(i as usize).map(|r| r.name.clone());
    json!({
        "name": slot.name,
        "status": "ready",
        "policy": v.policy,
        "version": v.version,
        "hash": v.hash,
        "loaded_at": rfc3339(v.loaded_at),
        "explain": v.program.is_some(),
        "input": record_name(schema.input),
        "output": record_name(schema.output),
        "key": v.key_name,
        "schema": v.schema,
    })
}

async fn list(State(app): State<Arc<App>>) -> Response {
    let policies: Vec<Value> = app.slots().iter().map(|s| describe(s, s.current.load_full().as_deref())).collect();
    json_body(json!({ "policies": policies }).to_string())
}

async fn show(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    match lookup(&app, &name) {
        Ok((slot, version)) => with_hash(json_body(describe(&slot, Some(&version)).to_string()), &version),
        Err(e) => e.into_response(),
    }
}

/// The policy served under `name` and its current version: 404 when there is no such
/// policy, 503 when it has no version yet.
pub fn lookup(app: &App, name: &str) -> Result<(Arc<Slot>, Arc<Version>), ApiError> {
    let slot = app.slot(name).ok_or_else(|| ApiError::new(Code::UnknownPolicy, format!("no policy `{name}`")))?;
    let version = slot.current.load_full().ok_or_else(|| {
        ApiError::new(Code::NotReady, format!("the policy `{name}` has not loaded yet (see the server's log)"))
    })?;
    Ok((slot.clone(), version))
}

/// Adds the version header.
pub fn with_hash(mut response: Response, version: &Version) -> Response {
    if let Some(value) = &version.hash_header {
        response.headers_mut().insert(HASH_HEADER, value.clone());
    }
    response
}

/// The query parameters of `/decide` and `/batch`.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// `explain=true`: add the explanation to each decision.
    pub explain: bool,
    /// `first_line=N` (`/batch` only): the number of the body's first line in error objects.
    pub first_line: u64,
}

/// Parses the query; unknown parameters and bad values are a 400.
pub fn parse_query(uri: &Uri, batch: bool) -> Result<Query, ApiError> {
    let mut query = Query { explain: false, first_line: 1 };
    let bad = |m: String| ApiError::new(Code::BadRequest, m);
    for pair in uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "explain" => {
                query.explain = match value {
                    "true" | "1" | "" => true,
                    "false" | "0" => false,
                    _ => return Err(bad(format!("`explain` must be true or false, not `{value}`"))),
                }
            }
            "first_line" if batch => {
                query.first_line = value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..u64::MAX / 2).contains(n))
                    .ok_or_else(|| bad(format!("`first_line` must be a positive integer, not `{value}`")))?;
            }
            _ => return Err(bad(format!("unknown query parameter `{name}`"))),
        }
    }
    Ok(query)
}

/// Refuses `?explain=true` for a policy without source.
pub fn check_explain(query: &Query, version: &Version, name: &str) -> Result<(), ApiError> {
    if query.explain && version.program.is_none() {
        return Err(ApiError::new(
            Code::ExplainUnavailable,
            format!("`{name}` is served from a compiled module; explanations need its .dexp source"),
        ));
    }
    Ok(())
}

/// The largest record `/decide` evaluates on the async worker that received it; larger records
/// and explanations go to a blocking thread, so that no worker is held for long.
const INLINE_RECORD_BYTES: usize = 16 << 10;

/// A batch of the one record of a `/decide` request.
fn one_line_batch(line: &[u8]) -> Batch {
    let mut batch = Batch::new(1);
    batch.push_line(line);
    batch
}

async fn decide(State(app): State<Arc<App>>, Path(name): Path<String>, request: Request) -> Response {
    let started = Instant::now();
    let (slot, version) = match lookup(&app, &name) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let response = match decide_with(&app, &slot, &version, request).await {
        Ok(response) => response,
        Err(e) => e.with_version(&slot.name, &version.hash).into_response(),
    };
    slot.metrics.decide_latency.observe(started.elapsed());
    response
}

async fn decide_with(
    app: &Arc<App>,
    slot: &Slot,
    version: &Arc<Version>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    limits::content_type(&parts.headers, false)?;
    let query = parse_query(&parts.uri, false)?;
    check_explain(&query, version, &slot.name)?;
    let line = limits::one_line(limits::read_body(&parts.headers, body, app.config.max_body_bytes).await?);
    if line.iter().all(u8::is_ascii_whitespace) {
        let mut error = ApiError::new(Code::BadRecord, "the body is empty: send one JSON record");
        error.path = Some(String::new());
        return Err(error);
    }
    let permit = limits::evaluation_slot(app).await?;
    let (batch, evaluated) = if line.len() <= INLINE_RECORD_BYTES && !query.explain {
        // A small record is decided in microseconds: handing it to a blocking thread and back
        // would cost more than deciding it here, and adds the latency of two thread switches.
        let batch = one_line_batch(&line);
        let evaluated = evaluate(version, &batch, false, String::new());
        drop(permit);
        (batch, evaluated)
    } else {
        let worker_version = version.clone();
        tokio::task::spawn_blocking(move || {
            let batch = one_line_batch(&line);
            let evaluated = evaluate(&worker_version, &batch, query.explain, String::new());
            drop(permit);
            (batch, evaluated)
        })
        .await
        .map_err(|e| ApiError::new(Code::Internal, format!("the evaluation stopped: {e}")))?
    };
    let Evaluated { out, tally, duration } = evaluated?;
    slot.metrics.count(tally.decided, tally.rejected);
    let output = out.trim_end_matches('\n');
    let decided = tally.decided == 1;
    // The input's text and key are needed only by the decision log and a refusal.
    if app.log.is_some() || !decided {
        let input = batch.lines().next().and_then(|(_, raw)| raw.ok()).unwrap_or_default();
        let input = String::from_utf8(input.to_vec()).unwrap_or_default();
        let key = version.key_name.as_deref().and_then(|k| probe_key(&input, k));
        if let Some(log) = &app.log {
            log.log(Entry {
                at: SystemTime::now(),
                policy: Arc::from(slot.name.as_str()),
                hash: Arc::from(version.hash.as_str()),
                route: "decide",
                key_name: version.key_name.as_deref().map(Arc::from),
                key: key.clone(),
                input,
                output: output.to_string(),
                decided,
                duration,
            });
        }
        if !decided {
            return Err(rejection(output, key));
        }
    }
    let mut body = String::with_capacity(output.len() + 160);
    body.push_str("{\"policy\":");
    write_str(&mut body, &slot.name);
    body.push_str(",\"version\":");
    write_str(&mut body, &version.version);
    body.push_str(",\"hash\":");
    write_str(&mut body, &version.hash);
    body.push_str(",\"decision\":");
    body.push_str(output);
    body.push('}');
    Ok(with_hash(json_body(body), version))
}

/// The refusal for a record's error line (`{"line":1,...,"error":{"path","message"}}`).
fn rejection(output: &str, key: Option<String>) -> ApiError {
    let parsed: Value = serde_json::from_str(output).unwrap_or(Value::Null);
    let error = parsed.get("error");
    let field = |name: &str| error.and_then(|e| e.get(name)).and_then(Value::as_str).unwrap_or("").to_string();
    let message = field("message");
    let code =
        if message.starts_with("stopped by the runtime's limits") { Code::LimitExceeded } else { Code::BadRecord };
    let mut refusal = ApiError::new(code, message);
    refusal.path = Some(field("path"));
    refusal.key = key;
    refusal
}

async fn admin_reload(State(app): State<Arc<App>>) -> Response {
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for slot in app.slots() {
        let outcome = reload::reload(&app, slot, Trigger::Admin).await;
        let hash = slot.current.load().as_ref().map(|v| v.hash.clone());
        let entry = match outcome {
            Outcome::Unchanged => json!({ "name": slot.name, "outcome": "unchanged", "hash": hash }),
            Outcome::Reloaded { .. } => json!({ "name": slot.name, "outcome": "reloaded", "hash": hash }),
            Outcome::Failed { error } => {
                failed.push(slot.name.clone());
                json!({ "name": slot.name, "outcome": "failed", "hash": hash, "diagnostics": error })
            }
        };
        report.push(entry);
    }
    if failed.is_empty() {
        return json_body(json!({ "policies": report }).to_string());
    }
    let mut error = ApiError::new(
        Code::ReloadFailed,
        format!("refused (the previous versions keep serving): {}", failed.join(", ")),
    );
    error.extra = Some(("policies", Value::Array(report)));
    error.into_response()
}
