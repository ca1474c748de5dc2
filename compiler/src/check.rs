//! The checker: from the untyped AST to the typed IR, reporting every problem at once.
//!
//! It runs in three passes: collect the declarations (types, definitions, functions, groups)
//! and their names; check every body against the declared types, recording which
//! definitions each body uses; then analyse that use graph for recursion, unused
//! definitions and an evaluation order. Only this module can build an [`ir::Program`].

mod decls;
mod error;
mod expr;
mod forms;
mod graph;
mod index;
mod lints;
mod ops;

pub use error::{did_you_mean, CheckError};
pub use index::{check_indexed, Index};

use crate::ir::{self, Program};
use crate::span::Span;
use crate::syntax::ast;
use dexp_runtime::schema::{Ty, Value};
use std::collections::HashMap;

/// The outcome of checking: the program when there are no errors, and all diagnostics
/// (errors and warnings) in source order.
#[derive(Debug)]
pub struct Checked {
    /// The typed program, present when no diagnostic is an error.
    pub program: Option<Program>,
    /// Every error and warning.
    pub diagnostics: Vec<CheckError>,
    /// Where each `if` and `match` of the program is written, by [`ir::BranchId`]: for
    /// coverage reports.
    pub branches: Vec<ir::Branch>,
}

/// Checks a parsed policy; `source` is its text, used to name positions in failure sites.
pub fn check(policy: &ast::Policy, source: &str) -> Checked {
    run(Cx::new(policy, source)).0
}

/// Runs the three passes; returns the outcome and the index, when `cx` keeps one.
fn run(mut cx: Cx) -> (Checked, Option<Index>) {
    cx.collect();
    cx.check_bodies();
    cx.index_declarations();
    let program = cx.finish();
    let mut diagnostics = cx.errors;
    diagnostics.sort_by_key(diagnostic_start);
    let failed = diagnostics.iter().any(|d| !d.is_warning());
    let checked = Checked { program: if failed { None } else { program }, diagnostics, branches: cx.branches };
    (checked, cx.index)
}

fn diagnostic_start(d: &CheckError) -> u32 {
    use miette::Diagnostic;
    d.labels().and_then(|mut l| l.next()).map(|l| l.offset() as u32).unwrap_or(0)
}

/// A node of the use graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Def(u32),
    Fn(u32),
    Group(u32),
    Output,
}

/// The type of a checked expression, with the cases that have no value type.
#[derive(Debug, Clone, PartialEq)]
enum T {
    /// A value type.
    V(Ty),
    /// The `null` literal: an optional of a type the context decides.
    Null,
    /// `n days`: only valid added to or subtracted from a date.
    Days,
    /// The expression had an error that was already reported.
    Error,
}

struct Typed {
    expr: ir::Expr,
    t: T,
}

impl Typed {
    fn error() -> Typed {
        Typed { expr: ir::Expr::constant(Value::Null, Ty::Bool), t: T::Error }
    }
    fn of(kind: ir::ExprKind, ty: Ty) -> Typed {
        Typed { expr: ir::Expr { kind, ty: ty.clone() }, t: T::V(ty) }
    }
}

struct EnumInfo {
    name: ast::Name,
    variants: Vec<ast::Name>,
}

struct RecordInfo {
    name: ast::Name,
    fields: Vec<(ast::Name, Ty)>,
}

struct GroupInfo<'a> {
    name: ast::Name,
    advisories: bool,
    rules: &'a [ast::RuleDecl],
    checked: Vec<ir::Rule>,
}

#[derive(Clone, PartialEq)]
enum DefState {
    Unchecked,
    InProgress,
    Done,
}

struct DefInfo<'a> {
    name: ast::Name,
    is_const: bool,
    declared: Option<&'a ast::TypeExpr>,
    value: &'a ast::Expr,
    state: DefState,
    /// The checked type; `None` for a set constant or after an error.
    ty: Option<Ty>,
    body: Option<ir::Body>,
    /// For `const name = {a, b}`: the element type and values.
    set: Option<(Ty, Vec<Value>)>,
}

struct FnInfo<'a> {
    name: ast::Name,
    params: Vec<(ast::Name, Ty)>,
    ret: Ty,
    body_ast: &'a ast::Expr,
    body: Option<ir::Body>,
}

struct Cx<'a> {
    policy: &'a ast::Policy,
    source: &'a str,
    errors: Vec<CheckError>,
    enums: Vec<EnumInfo>,
    records: Vec<RecordInfo>,
    groups: Vec<GroupInfo<'a>>,
    defs: Vec<DefInfo<'a>>,
    fns: Vec<FnInfo<'a>>,
    /// Value namespace: definitions, functions and groups share it.
    values: HashMap<String, (Node, Span)>,
    /// Type namespace: enums and records.
    types: HashMap<String, (Ty, Span)>,
    input: Option<(u32, Option<u32>)>,
    output: Option<(u32, &'a [ast::FieldInit], Span)>,
    output_body: Option<ir::Body>,
    sites: Vec<ir::Site>,
    branches: Vec<ir::Branch>,
    edges: HashMap<Node, Vec<Node>>,
    /// What the checker resolved, kept only when an editor asks ([`check_indexed`]).
    index: Option<Index>,
}

/// Local variables of the body being checked.
struct Scope {
    /// Name, type, slot and the span of the name where it is declared.
    locals: Vec<(String, Ty, u32, Span)>,
    /// The slots that a name lookup has returned, for unused `let ... in` bindings.
    used: Vec<u32>,
    next_slot: u32,
    max_slots: u32,
    node: Node,
    /// The name of the definition or function, used in site paths.
    owner: String,
    /// Inside a `const`: the input and `let`s are out of reach.
    in_const: bool,
}

impl Scope {
    fn new(node: Node, owner: &str, in_const: bool) -> Scope {
        Scope {
            locals: Vec::new(),
            used: Vec::new(),
            next_slot: 0,
            max_slots: 0,
            node,
            owner: owner.to_string(),
            in_const,
        }
    }

    fn push(&mut self, name: &ast::Name, ty: Ty) -> u32 {
        let slot = self.next_slot;
        self.locals.push((name.text.clone(), ty, slot, name.span));
        self.next_slot += 1;
        self.max_slots = self.max_slots.max(self.next_slot);
        slot
    }

    fn pop(&mut self) {
        if self.locals.pop().is_some() {
            self.next_slot = self.next_slot.saturating_sub(1);
        }
    }

    /// Looks a local up for a use, remembering that it was used.
    fn use_local(&mut self, name: &str) -> Option<(Ty, u32)> {
        let found = self.lookup(name);
        if let Some((_, slot)) = &found {
            if !self.used.contains(slot) {
                self.used.push(*slot);
            }
        }
        found
    }

    fn lookup(&self, name: &str) -> Option<(Ty, u32)> {
        self.locals.iter().rev().find(|(n, _, _, _)| n == name).map(|(_, t, s, _)| (t.clone(), *s))
    }

    /// Where the local `name` is declared.
    fn declared_at(&self, name: &str) -> Option<Span> {
        self.locals.iter().rev().find(|(n, _, _, _)| n == name).map(|(_, _, _, at)| *at)
    }
}

impl<'a> Cx<'a> {
    fn new(policy: &'a ast::Policy, source: &'a str) -> Cx<'a> {
        Cx {
            policy,
            source,
            errors: Vec::new(),
            enums: Vec::new(),
            records: Vec::new(),
            groups: Vec::new(),
            defs: Vec::new(),
            fns: Vec::new(),
            values: HashMap::new(),
            types: HashMap::new(),
            input: None,
            output: None,
            output_body: None,
            sites: Vec::new(),
            branches: Vec::new(),
            edges: HashMap::new(),
            index: None,
        }
    }

    fn error(&mut self, e: CheckError) {
        self.errors.push(e);
    }

    fn use_node(&mut self, from: Node, to: Node) {
        let list = self.edges.entry(from).or_default();
        if !list.contains(&to) {
            list.push(to);
        }
    }

    /// A human name for a type, as written in a policy.
    fn ty_name(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Decimal => "decimal".into(),
            Ty::Date => "date".into(),
            Ty::String => "string".into(),
            Ty::Enum(i) => self.enums.get(*i as usize).map(|e| e.name.text.clone()).unwrap_or_default(),
            Ty::Record(i) => self.records.get(*i as usize).map(|r| r.name.text.clone()).unwrap_or_default(),
            Ty::List(inner) => format!("list of {}", self.ty_name(inner)),
            Ty::Map(inner) => format!("map of string to {}", self.ty_name(inner)),
            Ty::Entry(inner) => format!("entry of map of string to {}", self.ty_name(inner)),
            Ty::Optional(inner) => format!("{}?", self.ty_name(inner)),
            Ty::Codes(g) => {
                format!("codes({})", self.groups.get(*g as usize).map(|g| g.name.text.as_str()).unwrap_or(""))
            }
        }
    }

    fn t_name(&self, t: &T) -> String {
        match t {
            T::V(ty) => format!("`{}`", self.ty_name(ty)),
            T::Null => "`null`".into(),
            T::Days => "a number of days".into(),
            T::Error => "an invalid expression".into(),
        }
    }

    /// Registers a failure site and returns its index.
    fn site(&mut self, span: Span, scope: &Scope, what: String) -> u32 {
        let (line, col) = span.line_col(self.source);
        self.sites.push(ir::Site { span, path: format!("{} at {line}:{col}", scope.owner), what });
        (self.sites.len() - 1) as u32
    }

    /// Registers an `if` or `match` (spanning `span`, with branches starting at `arms`) and
    /// returns its index.
    fn branch(&mut self, span: Span, arms: Vec<Span>, scope: &Scope) -> ir::BranchId {
        self.branches.push(ir::Branch { span, owner: scope.owner.clone(), arms });
        (self.branches.len() - 1) as ir::BranchId
    }

    fn finish(&mut self) -> Option<Program> {
        let order = graph::analyse(self);
        let (input, key) = self.input?;
        let (output, _, _) = self.output?;
        let schema = dexp_runtime::schema::Schema {
            enums: self
                .enums
                .iter()
                .map(|e| dexp_runtime::schema::EnumDef {
                    name: e.name.text.clone(),
                    variants: e.variants.iter().map(|v| v.text.clone()).collect(),
                })
                .collect(),
            records: self
                .records
                .iter()
                .map(|r| dexp_runtime::schema::RecordDef {
                    name: r.name.text.clone(),
                    fields: r
                        .fields
                        .iter()
                        .map(|(n, t)| dexp_runtime::schema::FieldDef { name: n.text.clone(), ty: t.clone() })
                        .collect(),
                })
                .collect(),
            groups: self
                .groups
                .iter()
                .map(|g| dexp_runtime::schema::GroupDef {
                    name: g.name.text.clone(),
                    kind: if g.advisories { ir::GroupKind::Advisories } else { ir::GroupKind::Requirements },
                    codes: g
                        .rules
                        .iter()
                        .map(|r| dexp_runtime::schema::CodeDef {
                            code: r.code.text.clone(),
                            message: r.message.clone(),
                        })
                        .collect(),
                })
                .collect(),
            input,
            output,
            key,
        };
        let defs = self
            .defs
            .iter()
            .map(|d| ir::Def {
                name: d.name.text.clone(),
                is_const: d.is_const,
                ty: d.ty.clone().unwrap_or(Ty::Bool),
                body: d.body.clone().unwrap_or(ir::Body { expr: ir::Expr::constant(Value::Null, Ty::Bool), locals: 0 }),
                span: d.name.span,
            })
            .collect();
        let fns = self
            .fns
            .iter()
            .map(|f| ir::Function {
                name: f.name.text.clone(),
                params: f.params.iter().map(|(_, t)| t.clone()).collect(),
                ret: f.ret.clone(),
                body: f.body.clone().unwrap_or(ir::Body { expr: ir::Expr::constant(Value::Null, Ty::Bool), locals: 0 }),
                span: f.name.span,
            })
            .collect();
        let groups = self
            .groups
            .iter()
            .map(|g| ir::Group {
                name: g.name.text.clone(),
                kind: if g.advisories { ir::GroupKind::Advisories } else { ir::GroupKind::Requirements },
                rules: g.checked.clone(),
            })
            .collect();
        Some(Program {
            name: self.policy.name.text.clone(),
            version: self.policy.version.as_ref().map(|(v, _)| v.clone()),
            schema,
            defs,
            fns,
            groups,
            order,
            output: self.output_body.clone()?,
            sites: std::mem::take(&mut self.sites),
            _checked: ir::Checked,
        })
    }
}
