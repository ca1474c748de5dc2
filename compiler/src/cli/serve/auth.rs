//! Bearer-token access: the token is read once from `--token-file`, and every request but
//! `/healthz` must present it as `Authorization: Bearer TOKEN`.
//!
//! The comparison is constant-time: both tokens are hashed with SHA-256 and the digests are
//! compared with a fold over every byte, so neither the position of the first difference nor
//! the token's length shows in the timing.

use super::error::{ApiError, Code};
use super::state::App;
use crate::cli::CliError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The SHA-256 of the expected token.
pub struct Token([u8; 32]);

impl Token {
    /// Reads the token file: its contents without surrounding whitespace, not empty.
    pub fn read(path: &Path) -> Result<Token, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(CliError::Other(format!("{}: the token file is empty", path.display())));
        }
        Ok(Token(Sha256::digest(token.as_bytes()).into()))
    }

    /// True when `presented` is the token, in time independent of where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.iter().zip(self.0.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// Middleware: refuses requests without the token (when one is configured) with 401.
pub async fn require_token(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(token) = &app.config.token else { return next.run(request).await };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .map(<[u8]>::trim_ascii);
    match presented {
        Some(presented) if token.matches(presented) => next.run(request).await,
        Some(_) => ApiError::new(Code::Unauthorized, "the bearer token is not valid").into_response(),
        None => ApiError::new(Code::Unauthorized, "this endpoint needs `Authorization: Bearer TOKEN`").into_response(),
    }
}
