//! Loading and reloading policy versions, off the request path.
//!
//! A reload reads the file, compiles it (`.dexp`) or checks it as an untrusted module
//! (`.wasm`) on a blocking thread, and only then swaps the new [`Version`] into its slot in
//! one atomic store. A version that does not compile or load is refused: its diagnostics are
//! logged, the reload is counted as failed, and the previous version keeps serving. Reloads of
//! one policy are serialised by the slot's lock, so an older compilation can never overwrite a
//! newer one.
//!
//! Three things reload: the watcher, which polls each file's modification time, size and inode
//! every `--watch-interval-ms` and rereads it when they change (then compares a SHA-256 of the
//! contents, so touching a file or rewriting the same text does nothing); SIGHUP, which rereads
//! every file; and `POST /v1/admin/reload`. Polling was chosen over inotify (`notify`) because
//! it needs no platform code, works on network and container filesystems, and sees a file
//! replaced by rename (how editors and deploy tools write) as naturally as one written in place;
//! a file caught half-written fails to compile, is refused, and is read again on the next tick.

use super::state::{App, Slot, Version};
use dexp_compiler::diagnostic::{render_human, Severity};
use dexp_runtime::engine::Runtime;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// What asked for a reload (for the logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The first load.
    Startup,
    /// The watcher saw the file change.
    Watch,
    /// SIGHUP.
    Hangup,
    /// `POST /v1/admin/reload`.
    Admin,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Startup => "startup",
            Trigger::Watch => "watch",
            Trigger::Hangup => "sighup",
            Trigger::Admin => "admin",
        }
    }
}

/// How a reload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file holds the version already tried; nothing changed.
    Unchanged,
    /// A new version now serves.
    Reloaded {
        /// Its source hash.
        hash: String,
    },
    /// The file's version was refused (the previous one, if any, keeps serving).
    Failed {
        /// Why, with the compiler's diagnostics.
        error: String,
    },
}

type Stamp = (Option<SystemTime>, u64, u64);

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Ok((meta.modified().ok(), meta.len(), inode))
}

/// Reloads `slot` from its file (see the module documentation).
pub async fn reload(app: &Arc<App>, slot: &Arc<Slot>, trigger: Trigger) -> Outcome {
    let mut watch = slot.watch.lock().await;
    let path = slot.path.clone();
    let runtime = app.runtime.clone();
    let only_if_touched = trigger == Trigger::Watch;
    let known_stamp = watch.stamp;
    let tried = watch.tried.clone();
    let step = tokio::task::spawn_blocking(move || {
        let now = match stamp(&path) {
            Ok(now) => now,
            Err(e) => return Step::Unreadable(format!("{}: {e}", path.display())),
        };
        if only_if_touched && Some(now) == known_stamp {
            return Step::Same(now);
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => return Step::Unreadable(format!("{}: {e}", path.display())),
        };
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        match tried {
            Some((hash, None)) if hash == digest => Step::Same(now),
            Some((hash, Some(error))) if hash == digest => Step::KnownBad(now, error),
            _ => Step::Built(now, digest, build(&path, &bytes, &runtime)),
        }
    })
    .await;
    let step = step.unwrap_or_else(|join| Step::Unreadable(format!("the reload stopped: {join}")));
    match step {
        Step::Unreadable(error) => {
            // Logged once while the file stays unreadable, then again when it comes back.
            watch.stamp = None;
            refuse(slot, trigger, error, trigger != Trigger::Watch || known_stamp.is_some())
        }
        Step::Same(now) => {
            watch.stamp = Some(now);
            Outcome::Unchanged
        }
        Step::KnownBad(now, error) => {
            watch.stamp = Some(now);
            refuse(slot, trigger, error, false)
        }
        Step::Built(now, digest, Ok(version)) => {
            watch.stamp = Some(now);
            watch.tried = Some((digest, None));
            let hash = version.hash.clone();
            tracing::info!(
                policy = %slot.name, hash = %hash, version = %version.version, trigger = trigger.as_str(),
                "policy version loaded"
            );
            slot.current.store(Some(Arc::new(version)));
            slot.metrics.reloads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Outcome::Reloaded { hash }
        }
        Step::Built(now, digest, Err(error)) => {
            watch.stamp = Some(now);
            watch.tried = Some((digest, Some(error.clone())));
            refuse(slot, trigger, error, true)
        }
    }
}

/// What the blocking part of a reload found (one value per reload, so its size is moot).
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The file cannot be read.
    Unreadable(String),
    /// Not touched, or the same contents as the version that serves.
    Same(Stamp),
    /// The same contents as a version already refused.
    KnownBad(Stamp, String),
    /// New contents, built into a version or refused.
    Built(Stamp, [u8; 32], Result<Version, String>),
}

/// Logs and counts a refused version (`fresh` when it was not refused before).
fn refuse(slot: &Slot, trigger: Trigger, error: String, fresh: bool) -> Outcome {
    if fresh || trigger != Trigger::Watch {
        let serving = slot.current.load().as_ref().map(|v| v.hash.clone());
        tracing::error!(
            policy = %slot.name, trigger = trigger.as_str(), serving = serving.as_deref().unwrap_or("nothing"),
            diagnostics = %error, "policy version refused; the previous version keeps serving"
        );
        slot.metrics.failed_reloads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Outcome::Failed { error }
}

/// Compiles or checks one version. Blocking.
fn build(path: &Path, bytes: &[u8], runtime: &Runtime) -> Result<Version, String> {
    let name = path.display().to_string();
    if path.extension().is_some_and(|e| e == "wasm") {
        let policy = runtime.load(bytes).map_err(|e| format!("{name}: the module was refused: {e}"))?;
        return Ok(Version::new(policy, None));
    }
    let source = std::str::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text: {e}"))?;
    match dexp_compiler::compile(source) {
        Ok(compiled) => {
            if !compiled.warnings.is_empty() {
                tracing::warn!(policy = %name, warnings = %render_human(&compiled.warnings, &name, source), "policy warnings");
            }
            let policy =
                runtime.load(&compiled.wasm).map_err(|e| format!("{name}: the compiled module was refused: {e}"))?;
            Ok(Version::new(policy, Some(Arc::new(compiled.program))))
        }
        Err(diagnostics) => {
            let errors = diagnostics.iter().filter(|d| d.severity() == Severity::Error).count();
            Err(format!("{name}: {errors} error(s)\n{}", render_human(&diagnostics, &name, source)))
        }
    }
}

/// Polls every policy file on the watch interval (forever; aborted at shutdown).
pub async fn watch(app: Arc<App>) {
    let every = app.config.watch_interval;
    if every.is_zero() {
        return;
    }
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        for slot in app.slots() {
            reload(&app, slot, Trigger::Watch).await;
        }
    }
}

/// Rereads every policy on SIGHUP (forever; aborted at shutdown).
pub async fn on_hangup(app: Arc<App>) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading every policy");
            for slot in app.slots() {
                reload(&app, slot, Trigger::Hangup).await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = app;
}
