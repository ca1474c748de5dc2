//! Admission: content types, body sizes and the bound on concurrent evaluations.
//!
//! Back-pressure is a bounded queue: a request that finds every evaluation slot taken waits
//! for one, in arrival order (tokio's semaphore is fair), for at most `--queue-timeout-ms`,
//! and is then refused with 429 and `Retry-After: 1`. A short wait absorbs bursts without
//! errors; the bound keeps latency from growing without limit under overload.

use super::error::{ApiError, Code};
use super::state::App;
use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use tokio::sync::OwnedSemaphorePermit;

/// The content types `/decide` accepts.
const JSON_TYPES: [&str; 1] = ["application/json"];
/// The content types `/batch` accepts.
const NDJSON_TYPES: [&str; 4] =
    ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"];

/// Checks the `Content-Type` against JSON (`ndjson == false`) or NDJSON; parameters such as
/// `charset=utf-8` are allowed.
pub fn content_type(headers: &HeaderMap, ndjson: bool) -> Result<(), ApiError> {
    let accepted: &[&str] = if ndjson { &NDJSON_TYPES } else { &JSON_TYPES };
    let given = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = given.map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match essence {
        Some(t) if accepted.contains(&t.as_str()) => Ok(()),
        _ => Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!(
                "the body must be {} (got {})",
                accepted.join(" or "),
                given.map_or("no content type".to_string(), |t| format!("`{t}`"))
            ),
        )),
    }
}

/// The declared `Content-Length`, refused with 413 when over `limit`.
pub fn declared_length(headers: &HeaderMap, limit: u64) -> Result<Option<u64>, ApiError> {
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(n) if n > limit => Err(too_large(n, limit)),
        other => Ok(other),
    }
}

fn too_large(n: u64, limit: u64) -> ApiError {
    ApiError::new(Code::PayloadTooLarge, format!("the body has {n} bytes, more than the limit of {limit} bytes"))
}

/// Reads a whole body of at most `limit` bytes (413 beyond, whether declared or not).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let declared = declared_length(headers, limit as u64)?;
    let mut body = body;
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::new(Code::BadRequest, format!("cannot read the body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(too_large((bytes.len() + data.len()) as u64, limit as u64));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// Waits for an evaluation slot for at most the queue timeout; 429 after.
pub async fn evaluation_slot(app: &App) -> Result<OwnedSemaphorePermit, ApiError> {
    // A free slot is taken at once, without arming a timer (the common case, and a timer
    // costs more than the rest of admission). A request never overtakes one already queued:
    // tokio's semaphore gives no permit to `try_acquire` while others wait.
    if let Ok(permit) = app.evaluations.clone().try_acquire_owned() {
        return Ok(permit);
    }
    let waiting = app.evaluations.clone().acquire_owned();
    match tokio::time::timeout(app.config.queue_timeout, waiting).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(ApiError::new(Code::Internal, "the server is shutting down")),
        Err(_) => Err(ApiError::new(
            Code::Overloaded,
            format!(
                "all {} evaluation slots stayed busy for {} ms; retry later",
                app.config.max_concurrent,
                app.config.queue_timeout.as_millis()
            ),
        )),
    }
}

/// One JSON document as one NDJSON line: the line breaks between tokens become spaces (so a
/// pretty-printed record is accepted), line breaks inside strings are kept (they are invalid
/// JSON and are reported as such).
pub fn one_line(mut bytes: Vec<u8>) -> Vec<u8> {
    if memchr::memchr2(b'\n', b'\r', &bytes).is_none() {
        return bytes;
    }
    let mut in_string = false;
    let mut escaped = false;
    for b in bytes.iter_mut() {
        if in_string {
            match *b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if *b == b'"' {
            in_string = true;
        } else if *b == b'\n' || *b == b'\r' {
            *b = b' ';
        }
    }
    bytes
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::one_line;

    #[test]
    fn line_breaks_between_tokens_become_spaces_but_not_inside_strings() {
        let text = b"{\r\n  \"a\": \"x\\\"\n\",\n  \"b\": 1\n}\n".to_vec();
        assert_eq!(one_line(text), b"{    \"a\": \"x\\\"\n\",   \"b\": 1 } ".to_vec());
    }
}
