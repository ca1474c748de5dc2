//! The coverage report of `dexpc test --coverage`: the counts of an instrumented module,
//! grouped back into the policy's requirements, advisories and branches.

use dexp_runtime::abi::{Counter, CounterKind};
use std::fmt::Write as _;

/// What a rule's counts say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleState {
    /// Seen both holding and failing.
    Both,
    /// Seen holding only.
    NeverFailed,
    /// Seen failing only.
    NeverHeld,
    /// Never evaluated.
    Never,
}

/// One requirement or advisory with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// A requirement (rather than an advisory).
    pub requirement: bool,
    /// `group.code`.
    pub owner: String,
    /// `line:col`.
    pub at: String,
    /// Evaluations where the condition held.
    pub holds: u64,
    /// Evaluations where it did not.
    pub fails: u64,
}

impl Rule {
    /// How far the rule was exercised.
    pub fn state(&self) -> RuleState {
        match (self.holds > 0, self.fails > 0) {
            (true, true) => RuleState::Both,
            (true, false) => RuleState::NeverFailed,
            (false, true) => RuleState::NeverHeld,
            (false, false) => RuleState::Never,
        }
    }
}

/// One branch of an `if` or arm of a `match`, with how often it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// `then`, `else` or `arm`.
    pub kind: CounterKind,
    /// Its position among the construct's branches (0 for `then`, arms from 0).
    pub index: usize,
    /// The definition, function, rule or `output` it is in.
    pub owner: String,
    /// `line:col` of the branch itself.
    pub at: String,
    /// Times taken.
    pub taken: u64,
}

/// The coverage of one policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Requirements and advisories, in the order of the coverage table.
    pub rules: Vec<Rule>,
    /// Branches and arms, in the order of the coverage table.
    pub branches: Vec<Branch>,
}

/// A share as a percentage; an empty set counts as fully covered.
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `line:col` as numbers, for sorting; unreadable positions sort first.
fn position(at: &str) -> (u32, u32) {
    let mut parts = at.split(':').map(|n| n.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

impl Report {
    /// Groups the counts of an instrumented module by the constructs its table describes.
    /// `None` when the table and the counts do not belong together.
    pub fn new(table: &[Counter], counts: &[u64]) -> Option<Report> {
        if table.len() != counts.len() {
            return None;
        }
        let mut report = Report::default();
        let mut entries = table.iter().zip(counts.iter().copied()).peekable();
        let mut previous: Option<(&str, &str)> = None;
        let mut index = 0;
        while let Some((counter, count)) = entries.next() {
            let requirement = match counter.kind {
                CounterKind::RequirementHolds => true,
                CounterKind::AdvisoryHolds => false,
                CounterKind::RequirementFails | CounterKind::AdvisoryFails => return None,
                kind => {
                    let construct = (counter.owner.as_str(), counter.at.as_str());
                    index = if previous == Some(construct) { index + 1 } else { 0 };
                    previous = Some(construct);
                    report.branches.push(Branch {
                        kind,
                        index,
                        owner: counter.owner.clone(),
                        at: counter.branch.clone().unwrap_or_else(|| counter.at.clone()),
                        taken: count,
                    });
                    continue;
                }
            };
            let (fails_counter, fails) = entries.next()?;
            let expected = if requirement { CounterKind::RequirementFails } else { CounterKind::AdvisoryFails };
            if fails_counter.kind != expected || fails_counter.owner != counter.owner {
                return None;
            }
            previous = None;
            report.rules.push(Rule {
                requirement,
                owner: counter.owner.clone(),
                at: counter.at.clone(),
                holds: count,
                fails,
            });
        }
        Some(report)
    }

    /// The percentage of requirements and advisories seen both holding and failing: what
    /// `--min-coverage` compares against.
    pub fn rule_percent(&self) -> f64 {
        let both = self.rules.iter().filter(|r| r.state() == RuleState::Both).count();
        percent(both, self.rules.len())
    }

    /// The percentage of branches and arms taken at least once.
    pub fn branch_percent(&self) -> f64 {
        let taken = self.branches.iter().filter(|b| b.taken > 0).count();
        percent(taken, self.branches.len())
    }

    /// The report as text: totals, then every rule and branch with its `file:line:col`, in
    /// source order.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!("coverage of {file}\n");
        let count = |requirement: bool, state: RuleState| {
            self.rules.iter().filter(|r| r.requirement == requirement && r.state() == state).count()
        };
        for (requirement, name) in [(true, "requirements"), (false, "advisories")] {
            let total = self.rules.iter().filter(|r| r.requirement == requirement).count();
            let both = count(requirement, RuleState::Both);
            let one_way = count(requirement, RuleState::NeverFailed) + count(requirement, RuleState::NeverHeld);
            let never = count(requirement, RuleState::Never);
            let _ = writeln!(
                out,
                "  {name}: {both} of {total} seen both holding and failing, {one_way} only one way, \
                 {never} never evaluated ({:.1}%)",
                percent(both, total)
            );
        }
        let taken = self.branches.iter().filter(|b| b.taken > 0).count();
        let _ = writeln!(
            out,
            "  requirement coverage: {:.1}% of {} requirements and advisories",
            self.rule_percent(),
            self.rules.len()
        );
        let _ = writeln!(
            out,
            "  branches and match arms: {taken} of {} taken ({:.1}%)",
            self.branches.len(),
            self.branch_percent()
        );
        let mut lines: Vec<((u32, u32), String)> = Vec::new();
        for rule in &self.rules {
            let (status, what) = match rule.state() {
                RuleState::Both => ("covered", format!("held {}, failed {}", rule.holds, rule.fails)),
                RuleState::NeverFailed => ("one way", format!("held {}, never failed", rule.holds)),
                RuleState::NeverHeld => ("one way", format!("failed {}, never held", rule.fails)),
                RuleState::Never => ("missed", "never evaluated".to_string()),
            };
            let kind = if rule.requirement { "requirement" } else { "advisory" };
            let line = format!("  {status:<8} {file}:{}: {kind} `{}`: {what}\n", rule.at, rule.owner);
            lines.push((position(&rule.at), line));
        }
        for branch in &self.branches {
            let what = match branch.kind {
                CounterKind::Then => "`then` of `if`".to_string(),
                CounterKind::Else => "`else` of `if`".to_string(),
                _ => format!("arm {} of `match`", branch.index + 1),
            };
            let (status, taken) = match branch.taken {
                0 => ("missed", "never taken".to_string()),
                n => ("covered", format!("taken {n}")),
            };
            let line = format!("  {status:<8} {file}:{}: {what} in `{}`: {taken}\n", branch.at, branch.owner);
            lines.push((position(&branch.at), line));
        }
        lines.sort_by_key(|(at, _)| *at);
        out.extend(lines.into_iter().map(|(_, line)| line));
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn counter(kind: CounterKind, owner: &str, at: &str, branch: Option<&str>) -> Counter {
        Counter { kind, owner: owner.into(), at: at.into(), branch: branch.map(Into::into) }
    }

    fn table() -> Vec<Counter> {
        use CounterKind::*;
        vec![
            counter(RequirementHolds, "g.a", "3:5", None),
            counter(RequirementFails, "g.a", "3:5", None),
            counter(AdvisoryHolds, "h.b", "7:5", None),
            counter(AdvisoryFails, "h.b", "7:5", None),
            counter(Then, "x", "9:1", Some("9:10")),
            counter(Else, "x", "9:1", Some("9:20")),
            counter(Arm, "y", "11:1", Some("12:5")),
            counter(Arm, "y", "11:1", Some("13:5")),
            counter(Arm, "y", "11:1", Some("14:5")),
        ]
    }

    #[test]
    fn rules_and_branches_are_grouped_and_counted() {
        let report = Report::new(&table(), &[4, 1, 0, 3, 2, 0, 1, 0, 5]).unwrap();
        assert_eq!(report.rules.len(), 2);
        assert_eq!(report.rules[0].state(), RuleState::Both);
        assert_eq!(report.rules[1].state(), RuleState::NeverHeld);
        assert_eq!(report.rule_percent(), 50.0);
        assert_eq!(report.branches.iter().map(|b| b.index).collect::<Vec<_>>(), [0, 1, 0, 1, 2]);
        assert_eq!(report.branch_percent(), 60.0);
        let text = report.render("p.dexp");
        assert!(text.contains("covered  p.dexp:3:5: requirement `g.a`: held 4, failed 1"), "{text}");
        assert!(text.contains("one way  p.dexp:7:5: advisory `h.b`: failed 3, never held"), "{text}");
        assert!(text.contains("missed   p.dexp:9:20: `else` of `if` in `x`: never taken"), "{text}");
        assert!(text.contains("missed   p.dexp:13:5: arm 2 of `match` in `y`: never taken"), "{text}");
        assert!(text.contains("requirement coverage: 50.0% of 2"), "{text}");
    }

    #[test]
    fn a_table_that_does_not_fit_the_counts_is_refused() {
        assert_eq!(Report::new(&table(), &[1, 2]), None);
        let mut lone = table();
        lone.remove(1);
        assert_eq!(Report::new(&lone, &[0; 8]), None);
    }

    #[test]
    fn nothing_to_cover_counts_as_full() {
        let report = Report::new(&[], &[]).unwrap();
        assert_eq!((report.rule_percent(), report.branch_percent()), (100.0, 100.0));
    }
}
