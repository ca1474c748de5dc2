//! The coverage table of an instrumented module: what each of its counters counts.
//!
//! An instrumented build is for testing a policy, not for production: besides evaluating
//! batches like the plain module, it counts, in guest memory, how often each requirement and
//! advisory held and failed and how often each branch of each `if` and `match` was taken. See
//! the [ABI documentation](super#instrumented-modules) for where the counters live.

use serde::{Deserialize, Serialize};

/// What one counter of an instrumented module counts: evaluations of a rule with one outcome,
/// or entries into one branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterKind {
    /// A requirement's condition held (the requirement passed).
    RequirementHolds,
    /// A requirement's condition did not hold (its code was listed).
    RequirementFails,
    /// An advisory's condition held (its code was listed).
    AdvisoryHolds,
    /// An advisory's condition did not hold.
    AdvisoryFails,
    /// The `then` branch of an `if` was taken.
    Then,
    /// The `else` branch of an `if` was taken.
    Else,
    /// An arm of a `match` was chosen.
    Arm,
}

impl CounterKind {
    /// Whether the counter belongs to a requirement or an advisory (rather than a branch).
    pub fn is_rule(self) -> bool {
        matches!(
            self,
            CounterKind::RequirementHolds
                | CounterKind::RequirementFails
                | CounterKind::AdvisoryHolds
                | CounterKind::AdvisoryFails
        )
    }
}

/// The description of one counter in the metadata's coverage table.
///
/// Counters of one construct are adjacent and share `owner` and `at`: a rule's `holds` counter
/// comes right before its `fails` counter, an `if`'s `then` before its `else`, and a `match`'s
/// arms are in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// What it counts.
    pub kind: CounterKind,
    /// Where the construct is written: `group.code` for a rule; for a branch, the name of the
    /// definition or function, the rule (`group.code`), or `output`.
    pub owner: String,
    /// `line:col` (1-based) of the rule, or of the `if` or `match`, in the policy source.
    pub at: String,
    /// For a branch: `line:col` of the branch or arm itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}
