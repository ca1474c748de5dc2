//! The counters of an instrumented build: which exist, where they live, and their description
//! in the metadata's coverage table.
//!
//! Each counter is a `u64` in guest memory below `dexp_heap_base`, counter `k` at
//! `base + 8 * k`. Every requirement and advisory has two, how often its condition held and how
//! often it did not; every `if` has one per branch (`then`, `else`) and every `match` one per
//! arm. An `if` or `match` that no longer occurs in the program (it was in a constant, folded
//! at compile time) gets none. The generated code adds one to a counter when it evaluates the
//! rule or enters the branch; nothing else reads or writes the counters, so decisions are
//! those of the plain module.

use super::expr::children;
use super::func::{mem, Func};
use crate::ir::{Branch, BranchId, Expr, ExprKind, GroupId, GroupKind, Program};
use crate::span::Span;
use dexp_runtime::abi::{Counter, CounterKind};
use wasm_encoder::Instruction as I;

/// The counters of one module.
#[derive(Debug, Clone)]
pub(super) struct Counters {
    /// The address of counter 0, a multiple of 8.
    base: u32,
    /// Per group, per rule: the index of its `holds` counter; `fails` is the next one.
    rules: Vec<Vec<u32>>,
    /// Per branch: the index of its first arm's counter, when it occurs in the program.
    arms: Vec<Option<u32>>,
    /// What each counter counts, in counter order.
    table: Vec<Counter>,
}

impl Counters {
    /// Plans the counters of `program`, placed from `base`. `branches` says where each `if`
    /// and `match` is, and `source` is the policy text, for the `line:col` of each construct.
    pub(super) fn plan(program: &Program, branches: &[Branch], source: &str, base: u32) -> Counters {
        let at = |span: Span| {
            let (line, col) = span.line_col(source);
            format!("{line}:{col}")
        };
        let mut table = Vec::new();
        let mut rules = Vec::with_capacity(program.groups.len());
        for group in &program.groups {
            let (holds, fails) = match group.kind {
                GroupKind::Requirements => (CounterKind::RequirementHolds, CounterKind::RequirementFails),
                GroupKind::Advisories => (CounterKind::AdvisoryHolds, CounterKind::AdvisoryFails),
            };
            let mut indices = Vec::with_capacity(group.rules.len());
            for rule in &group.rules {
                indices.push(table.len() as u32);
                let owner = format!("{}.{}", group.name, rule.code);
                for kind in [holds, fails] {
                    table.push(Counter { kind, owner: owner.clone(), at: at(rule.span), branch: None });
                }
            }
            rules.push(indices);
        }
        let occurring = occurring_branches(program, branches.len());
        let mut arms = vec![None; branches.len()];
        for (id, branch) in branches.iter().enumerate() {
            let Some(is_if) = occurring.get(id).copied().flatten() else {
                continue;
            };
            if let Some(slot) = arms.get_mut(id) {
                *slot = Some(table.len() as u32);
            }
            for (j, arm) in branch.arms.iter().enumerate() {
                let kind = match (is_if, j) {
                    (true, 0) => CounterKind::Then,
                    (true, _) => CounterKind::Else,
                    (false, _) => CounterKind::Arm,
                };
                table.push(Counter { kind, owner: branch.owner.clone(), at: at(branch.span), branch: Some(at(*arm)) });
            }
        }
        Counters { base, rules, arms, table }
    }

    /// The number of counters.
    pub(super) fn len(&self) -> u32 {
        self.table.len() as u32
    }

    /// Bytes the counters occupy.
    pub(super) fn bytes(&self) -> u32 {
        self.len() * 8
    }

    /// The address of counter 0.
    pub(super) fn base(&self) -> u32 {
        self.base
    }

    /// The description of every counter, for the metadata.
    pub(super) fn table(&self) -> &[Counter] {
        &self.table
    }

    /// Adds the code that counts rule `rule` of group `group`: it takes the condition (an
    /// `i32`) from the stack, counts it, and leaves it there.
    pub(super) fn rule(&self, f: &mut Func, group: GroupId, rule: usize, scratch: u32) {
        let Some(holds) = self.rules.get(group as usize).and_then(|g| g.get(rule)).copied() else {
            return;
        };
        f.op(I::LocalTee(scratch));
        f.if_(wasm_encoder::BlockType::Empty);
        self.bump(f, holds);
        f.else_();
        self.bump(f, holds + 1);
        f.end();
        f.get(scratch);
    }

    /// Adds the code that counts entering branch `arm` of `branch`.
    pub(super) fn arm(&self, f: &mut Func, branch: BranchId, arm: usize) {
        if let Some(first) = self.arms.get(branch as usize).copied().flatten() {
            self.bump(f, first + arm as u32);
        }
    }

    /// `counter[k] += 1`, with the address in the memory immediate.
    fn bump(&self, f: &mut Func, k: u32) {
        let at = mem(self.base + 8 * k, 8);
        f.i32(0);
        f.i32(0);
        f.op(I::I64Load(at));
        f.i64(1);
        f.op(I::I64Add);
        f.op(I::I64Store(at));
    }
}

/// For each branch: whether it occurs in the program's bodies, as an `if` (`Some(true)`) or
/// a `match` (`Some(false)`).
fn occurring_branches(program: &Program, count: usize) -> Vec<Option<bool>> {
    let mut occurring = vec![None; count];
    walk(program, |e| {
        let (id, is_if) = match &e.kind {
            ExprKind::If(.., b) => (*b, true),
            ExprKind::Match(.., b) => (*b, false),
            _ => return,
        };
        if let Some(slot) = occurring.get_mut(id as usize) {
            *slot = Some(is_if);
        }
    });
    occurring
}

/// Visits every expression of every body, with a work list rather than recursion.
fn walk<'p>(program: &'p Program, mut visit: impl FnMut(&'p Expr)) {
    let mut work: Vec<&'p Expr> = Vec::new();
    work.extend(program.defs.iter().map(|d| &d.body.expr));
    work.extend(program.fns.iter().map(|f| &f.body.expr));
    work.extend(program.groups.iter().flat_map(|g| g.rules.iter().map(|r| &r.cond.expr)));
    work.push(&program.output.expr);
    while let Some(e) = work.pop() {
        visit(e);
        work.extend(children(e));
    }
}
