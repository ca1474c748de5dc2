//! Stack safety for the recursive passes (tree building, checking, interpretation).
//!
//! The parser's limits bound how deep any tree can be, but how much stack one level takes
//! depends on the build (debug frames are many times larger) and on the caller's thread. The
//! recursive functions therefore run through [`guard`], which moves onto a fresh heap-allocated
//! stack segment when the current one runs low, so a host thread with a small stack never
//! overflows, whatever the nesting within the limits.

/// Stack that must remain before a recursive step runs on the current segment.
const RED_ZONE: usize = 128 * 1024;
/// Size of each new segment.
const SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f`, first switching to a new stack segment if less than the red zone remains.
pub(crate) fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
