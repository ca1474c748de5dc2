//! Suggestions: the smallest change to an input record that makes a failed requirement hold.
//!
//! The search knows nothing about the shape of the condition beyond what it reads. A static
//! walk of the rule's condition (through the definitions, functions and groups it uses) finds
//! the input fields and lists it can depend on; the record's values at those places are the
//! candidates. Candidate edits, in the simple forms an analyst would propose:
//! - set a boolean, an enum or a string (to a constant the condition mentions);
//! - raise or lower a number or date to the nearest value that makes the rule hold (a doubling
//!   search, then bisection: exact for conditions monotone in that value, verified always);
//! - change two fields of one list element, or add an element with chosen fields;
//! - remove, or fix one field of, each element that breaks an `all`;
//! - for a rule that requires another group to pass (`xdr.ok`), the best suggestions for each
//!   of that group's failed requirements together.
//!
//! Every candidate is applied to a copy of the record and evaluated again by the reference
//! interpreter; only those after which the whole record still decides and the rule holds are
//! returned, fewest edits first, then smallest numeric change. The number of evaluations per
//! rule is bounded ([`MAX_PROBES`]), so a suggestion costs at most a few thousand rule
//! evaluations. Expression kinds the walk does not know contribute no candidates: such a rule
//! gets fewer suggestions, or none, never a wrong one.

use super::interp::{self, rule_holds};
use super::*;
use dexp_runtime::date::{MAX_DAY, MIN_DAY};
use dexp_runtime::json;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The most rule evaluations one search may spend.
pub const MAX_PROBES: usize = 2000;
/// The most suggestions returned per requirement.
pub const MAX_SUGGESTIONS: usize = 3;
/// How deep suggestions for `group.ok` may recurse into the groups a rule reads.
const MAX_DEPTH: u32 = 3;

/// One step into the input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A record field, by index.
    Field(u32),
    /// A list element, by index.
    Index(usize),
}

/// A place in the input record: the steps to it and how a person writes it
/// (`products[2].mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The steps from the input record.
    pub steps: Vec<Step>,
    /// The path as text.
    pub path: String,
}

/// One change to an input record.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Set the value at a place.
    Set {
        /// Where.
        place: Place,
        /// The value's type.
        ty: Ty,
        /// The current value.
        from: Value,
        /// The suggested value.
        to: Value,
    },
    /// Append an element to a list.
    Add {
        /// The list.
        list: Place,
        /// The element type.
        ty: Ty,
        /// The new element.
        element: Value,
    },
    /// Remove one element of a list.
    Remove {
        /// The list.
        list: Place,
        /// The element's index.
        index: usize,
    },
}

/// A set of edits that together make a requirement hold, applied in order (removals come last,
/// highest index first, so every index refers to the record as it was).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The edits.
    pub edits: Vec<Edit>,
}

/// Suggestions for rule `rule` of group `group` on `input`: empty when the rule holds, when
/// the record cannot be decided, or when no change of the simple forms makes the rule hold.
/// Every returned suggestion passed [`verify`].
pub fn suggest(program: &Program, input: &Value, group: GroupId, rule: u32) -> Vec<Suggestion> {
    suggest_at(program, input, group, rule, MAX_DEPTH)
}

/// Whether applying `suggestion` to `input` gives a record that the program decides and for
/// which requirement `rule` of `group` holds.
pub fn verify(program: &Program, input: &Value, group: GroupId, rule: u32, suggestion: &Suggestion) -> bool {
    let Some(rule) = program.groups.get(group as usize).and_then(|g| g.rules.get(rule as usize)) else { return false };
    let Some(changed) = apply(input, &suggestion.edits) else { return false };
    interp::evaluate(program, &changed).is_ok() && rule_holds(program, &changed, rule) == Ok(true)
}

/// Applies edits in order; `None` when one does not fit the record.
pub fn apply(input: &Value, edits: &[Edit]) -> Option<Value> {
    let mut value = input.clone();
    for edit in edits {
        value = match edit {
            Edit::Set { place, to, .. } => update(&value, &place.steps, &mut |_| Some(to.clone()))?,
            Edit::Add { list, element, .. } => update(&value, &list.steps, &mut |v| match v {
                Value::List(items) => Some(Value::List(items.iter().cloned().chain([element.clone()]).collect())),
                _ => None,
            })?,
            Edit::Remove { list, index } => update(&value, &list.steps, &mut |v| match v {
                Value::List(items) if *index < items.len() => Some(Value::List(
                    items.iter().enumerate().filter(|(i, _)| i != index).map(|(_, x)| x.clone()).collect(),
                )),
                _ => None,
            })?,
        };
    }
    Some(value)
}

fn update(value: &Value, steps: &[Step], f: &mut dyn FnMut(&Value) -> Option<Value>) -> Option<Value> {
    let Some((step, rest)) = steps.split_first() else { return f(value) };
    match (step, value) {
        (Step::Field(i), Value::Record(fields)) => {
            let mut fields = fields.to_vec();
            let slot = fields.get_mut(*i as usize)?;
            *slot = update(slot, rest, f)?;
            Some(Value::Record(fields.into()))
        }
        (Step::Index(i), Value::List(items)) => {
            let mut items = items.to_vec();
            let slot = items.get_mut(*i)?;
            *slot = update(slot, rest, f)?;
            Some(Value::List(items.into()))
        }
        _ => None,
    }
}

impl Suggestion {
    /// The suggestion in words: `users.entra_p1_licensed 1180 → 1200, add products[3] {...}`.
    pub fn render(&self, schema: &Schema) -> String {
        let parts: Vec<String> = self.edits.iter().map(|e| render_edit(schema, e)).collect();
        parts.join(", ")
    }

    /// Appends the suggestion as JSON: `{"edits":[...],"summary":"..."}`, each edit one of
    /// `{"set":PATH,"from":V,"to":V}`, `{"add":LIST,"value":V}` or `{"remove":"LIST[I]"}`.
    pub fn write_json(&self, out: &mut String, schema: &Schema) {
        out.push_str("{\"edits\":[");
        for (i, edit) in self.edits.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match edit {
                Edit::Set { place, ty, from, to } => {
                    out.push_str("{\"set\":");
                    json::write_str(out, &place.path);
                    out.push_str(",\"from\":");
                    json::write_value(out, schema, ty, from);
                    out.push_str(",\"to\":");
                    json::write_value(out, schema, ty, to);
                }
                Edit::Add { list, ty, element } => {
                    out.push_str("{\"add\":");
                    json::write_str(out, &list.path);
                    out.push_str(",\"value\":");
                    json::write_value(out, schema, ty, element);
                }
                Edit::Remove { list, index } => {
                    out.push_str("{\"remove\":");
                    json::write_str(out, &format!("{}[{index}]", list.path));
                }
            }
            out.push('}');
        }
        out.push_str("],\"summary\":");
        json::write_str(out, &self.render(schema));
        out.push('}');
    }

    /// Fewest edits first, then the smallest total numeric change.
    fn cost(&self) -> (usize, u128) {
        let size = self
            .edits
            .iter()
            .map(|e| match e {
                Edit::Set { from, to, .. } => match (number(from), number(to)) {
                    (Some(a), Some(b)) => (i128::from(a) - i128::from(b)).unsigned_abs(),
                    _ => 0,
                },
                _ => 0,
            })
            .sum();
        (self.edits.len(), size)
    }
}

fn render_edit(schema: &Schema, edit: &Edit) -> String {
    let value = |ty: &Ty, v: &Value| {
        let mut out = String::new();
        json::write_value(&mut out, schema, ty, v);
        // Enum variants read better bare: `mode passive → active`.
        let bare = matches!(ty, Ty::Enum(_)) || matches!(ty, Ty::Optional(t) if matches!(**t, Ty::Enum(_)));
        if bare && out.starts_with('"') {
            out = out.trim_matches('"').to_string();
        }
        out
    };
    match edit {
        Edit::Set { place, ty, from, to } => format!("{} {} → {}", place.path, value(ty, from), value(ty, to)),
        Edit::Add { list, ty, element } => format!("add to {} {}", list.path, value(ty, element)),
        Edit::Remove { list, index } => format!("remove {}[{index}]", list.path),
    }
}

fn number(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Date(d) => Some(i64::from(*d)),
        _ => None,
    }
}

/// A step of a place in the schema: a field, or every element of a list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SchemaStep {
    Field(u32),
    Each,
}

/// What a rule's condition can read: input places, lists it iterates, groups it reads, and
/// the string constants it mentions.
#[derive(Default)]
struct Deps {
    places: BTreeSet<Vec<SchemaStep>>,
    lists: BTreeSet<Vec<SchemaStep>>,
    groups: BTreeSet<GroupId>,
    strings: Vec<Value>,
    seen_defs: BTreeSet<DefId>,
    seen_calls: BTreeSet<(FnId, Vec<Option<Vec<SchemaStep>>>)>,
}

type Env = Vec<Option<Vec<SchemaStep>>>;

impl Deps {
    /// Walks an expression; returns the input place it denotes, if it is one.
    fn walk(&mut self, program: &Program, e: &Expr, env: &mut Env) -> Option<Vec<SchemaStep>> {
        crate::stack::guard(|| self.walk_inner(program, e, env))
    }

    fn walk_inner(&mut self, program: &Program, e: &Expr, env: &mut Env) -> Option<Vec<SchemaStep>> {
        use ExprKind as K;
        match &e.kind {
            K::Input => return Some(Vec::new()),
            K::Local(slot) => return env.get(*slot as usize).cloned().flatten(),
            K::Const(v) => {
                if matches!(v, Value::Str(_)) && !self.strings.contains(v) {
                    self.strings.push(v.clone());
                }
            }
            // Map entries are not places the search edits (it knows lists and records only).
            K::Field(inner, _) if matches!(inner.ty, Ty::Entry(_)) => {
                self.walk(program, inner, env);
            }
            K::Field(inner, i) => {
                let mut path = self.walk(program, inner, env)?;
                path.push(SchemaStep::Field(*i));
                self.places.insert(path.clone());
                return Some(path);
            }
            K::Lift(a) => return self.walk(program, a, env),
            K::Def(id) => {
                if self.seen_defs.insert(*id) {
                    if let Some(def) = program.defs.get(*id as usize) {
                        let mut inner: Env = vec![None; def.body.locals as usize];
                        self.walk(program, &def.body.expr, &mut inner);
                    }
                }
            }
            K::Codes(g) => {
                if self.groups.insert(*g) {
                    for rule in program.groups.get(*g as usize).map(|g| g.rules.as_slice()).unwrap_or(&[]) {
                        let mut inner: Env = vec![None; rule.cond.locals as usize];
                        self.walk(program, &rule.cond.expr, &mut inner);
                    }
                }
            }
            K::Call(f, args) => {
                let paths: Env = args.iter().map(|a| self.walk(program, a, env)).collect();
                if let Some(func) = program.fns.get(*f as usize) {
                    if self.seen_calls.insert((*f, paths.clone())) {
                        let mut inner = paths;
                        inner.resize((func.body.locals as usize).max(args.len()), None);
                        self.walk(program, &func.body.expr, &mut inner);
                    }
                }
            }
            K::Quant(q) => {
                // Each generator's list is walked with the slots before it bound, so a nested
                // list is known by its path through the outer element (`products[].assignments`).
                let mut saved = Vec::new();
                for (slot, list) in q.generators() {
                    let is_map = matches!(list.ty, Ty::Map(_));
                    let list = self.walk(program, list, env).filter(|_| !is_map);
                    saved.push((slot, env.get(slot as usize).cloned().flatten()));
                    let element = list.map(|list| {
                        self.lists.insert(list.clone());
                        let mut element = list;
                        element.push(SchemaStep::Each);
                        element
                    });
                    if let Some(s) = env.get_mut(slot as usize) {
                        *s = element;
                    }
                }
                for part in [&q.filter, &q.body, &q.default].into_iter().flatten() {
                    self.walk(program, part, env);
                }
                for (slot, value) in saved.into_iter().rev() {
                    if let Some(s) = env.get_mut(slot as usize) {
                        *s = value;
                    }
                }
            }
            K::CodesEmpty(a)
            | K::HasCode(a, _)
            | K::Not(a)
            | K::Neg(a, _)
            | K::ToDecimal(a, _)
            | K::Round(a, _, _)
            | K::IsPresent(a)
            | K::DatePart(_, a) => {
                self.walk(program, a, env);
            }
            K::And(a, b)
            | K::Or(a, b)
            | K::Arith(_, a, b, _)
            | K::Compare(_, a, b)
            | K::InList(a, b)
            | K::MapGet(a, b)
            | K::HasKey(a, b)
            | K::Coalesce(a, b)
            | K::DateShift(a, b, _, _)
            | K::DateDiff(a, b) => {
                self.walk(program, a, env);
                self.walk(program, b, env);
            }
            K::InSet(a, set) => {
                self.walk(program, a, env);
                for v in set.iter().filter(|v| matches!(v, Value::Str(_))) {
                    if !self.strings.contains(v) {
                        self.strings.push(v.clone());
                    }
                }
            }
            K::If(c, a, b, _) => {
                for x in [c, a, b] {
                    self.walk(program, x, env);
                }
            }
            K::Match(s, _, arms, _) => {
                self.walk(program, s, env);
                for arm in arms {
                    self.walk(program, arm, env);
                }
            }
            K::Let { slot, value, body, .. } => {
                // The binding stands for the place its value reads, inside the body only.
                let bound = self.walk(program, value, env);
                let saved = env.get(*slot as usize).cloned().flatten();
                if let Some(s) = env.get_mut(*slot as usize) {
                    *s = bound;
                }
                let result = self.walk(program, body, env);
                if let Some(s) = env.get_mut(*slot as usize) {
                    *s = saved;
                }
                return result;
            }
            K::ListLen(a) => {
                if let Some(list) = self.walk(program, a, env) {
                    self.lists.insert(list);
                }
            }
            K::MinMax(_, xs) | K::Record(xs) | K::List(xs) | K::Text(_, xs) => {
                for x in xs {
                    self.walk(program, x, env);
                }
            }
        }
        None
    }
}

/// A concrete place in the record with its type and value.
#[derive(Clone)]
struct Leaf {
    place: Place,
    ty: Ty,
    value: Value,
}

/// Expands a schema place into the record's concrete places.
fn expand(schema: &Schema, value: &Value, ty: &Ty, rest: &[SchemaStep], place: Place, out: &mut Vec<Leaf>) {
    let ty = match (ty, value) {
        (Ty::Optional(inner), v) if *v != Value::Null && !rest.is_empty() => &**inner,
        _ => ty,
    };
    let Some((step, rest)) = rest.split_first() else {
        out.push(Leaf { place, ty: ty.clone(), value: value.clone() });
        return;
    };
    match (step, ty, value) {
        (SchemaStep::Field(i), Ty::Record(r), Value::Record(fields)) => {
            let (Some(def), Some(v)) =
                (schema.record(*r).and_then(|d| d.fields.get(*i as usize)), fields.get(*i as usize))
            else {
                return;
            };
            let mut next = place;
            next.steps.push(Step::Field(*i));
            next.path = if next.path.is_empty() { def.name.clone() } else { format!("{}.{}", next.path, def.name) };
            expand(schema, v, &def.ty, rest, next, out);
        }
        (SchemaStep::Each, Ty::List(elem), Value::List(items)) => {
            for (index, item) in items.iter().enumerate() {
                let mut next = place.clone();
                next.steps.push(Step::Index(index));
                next.path = format!("{}[{index}]", next.path);
                expand(schema, item, elem, rest, next, out);
            }
        }
        _ => {}
    }
}

fn is_scalar(ty: &Ty) -> bool {
    match ty {
        Ty::Bool | Ty::Int | Ty::Date | Ty::String | Ty::Enum(_) => true,
        Ty::Optional(inner) => is_scalar(inner),
        _ => false,
    }
}

/// A plain value of a type: what a new list element's fields start from.
fn default_value(schema: &Schema, ty: &Ty, depth: usize) -> Value {
    match ty {
        Ty::Bool => Value::Bool(false),
        Ty::Int => Value::Int(0),
        Ty::Decimal => Value::Decimal(0),
        Ty::Date => Value::Date(0),
        Ty::String => Value::Str(Arc::from("")),
        Ty::Enum(_) => Value::Enum(0),
        Ty::Record(r) if depth < 16 => Value::Record(
            schema
                .record(*r)
                .map(|d| d.fields.iter().map(|f| default_value(schema, &f.ty, depth + 1)).collect::<Vec<_>>())
                .unwrap_or_default()
                .into(),
        ),
        Ty::List(_) | Ty::Record(_) => Value::List(Arc::from(Vec::new())),
        Ty::Optional(_) => Value::Null,
        Ty::Codes(_) => Value::Codes(0),
        Ty::Map(_) => Value::Map(Arc::from(Vec::new())),
        Ty::Entry(_) => Value::Null,
    }
}

struct Search<'p> {
    program: &'p Program,
    rule: &'p Rule,
    deps: Deps,
    probes: usize,
}

impl Search<'_> {
    fn holds(&mut self, record: &Value) -> bool {
        if self.probes >= MAX_PROBES {
            return false;
        }
        self.probes += 1;
        rule_holds(self.program, record, self.rule) == Ok(true)
    }

    fn holds_after(&mut self, input: &Value, edits: &[Edit]) -> bool {
        match apply(input, edits) {
            Some(record) => self.holds(&record),
            None => false,
        }
    }

    /// The scalar places of the record the rule can read.
    fn leaves(&self, input: &Value) -> Vec<Leaf> {
        let schema = &self.program.schema;
        let mut out = Vec::new();
        for path in &self.deps.places {
            let root = Place { steps: Vec::new(), path: String::new() };
            expand(schema, input, &Ty::Record(schema.input), path, root, &mut out);
        }
        out.retain(|l| is_scalar(&l.ty));
        out
    }

    fn lists(&self, input: &Value) -> Vec<Leaf> {
        let schema = &self.program.schema;
        let mut out = Vec::new();
        for path in &self.deps.lists {
            let root = Place { steps: Vec::new(), path: String::new() };
            expand(schema, input, &Ty::Record(schema.input), path, root, &mut out);
        }
        out.retain(|l| matches!(l.ty, Ty::List(_)) && matches!(l.value, Value::List(_)));
        out
    }

    /// The other values to try at a non-numeric place.
    fn choices(&self, ty: &Ty, current: &Value) -> Vec<Value> {
        let schema = &self.program.schema;
        let mut out: Vec<Value> = match ty {
            Ty::Bool => vec![Value::Bool(true), Value::Bool(false)],
            Ty::Enum(e) => {
                let n = schema.enum_def(*e).map_or(0, |d| d.variants.len());
                (0..n as u32).map(Value::Enum).collect()
            }
            Ty::String => self.deps.strings.clone(),
            Ty::Optional(inner) => {
                let mut values = vec![Value::Null];
                let base = if *current == Value::Null { default_value(schema, inner, 0) } else { current.clone() };
                values.extend(self.choices(inner, &base));
                if *current == Value::Null && matches!(**inner, Ty::Int | Ty::Date) {
                    values.push(base);
                }
                values
            }
            _ => Vec::new(),
        };
        out.retain(|v| v != current);
        out
    }

    /// The smallest raise and the smallest lowering of a number that make the rule hold.
    fn numeric(&mut self, input: &Value, leaf: &Leaf) -> Vec<Suggestion> {
        let is_date = match &leaf.ty {
            Ty::Int => false,
            Ty::Date => true,
            Ty::Optional(t) if matches!(**t, Ty::Int | Ty::Date) && leaf.value != Value::Null => **t == Ty::Date,
            _ => return Vec::new(),
        };
        let Some(start) = number(&leaf.value) else { return Vec::new() };
        let (lo, hi) = if is_date { (i64::from(MIN_DAY), i64::from(MAX_DAY)) } else { (i64::MIN, i64::MAX) };
        let make =
            |n: i64| if is_date { i32::try_from(n).map(Value::Date).unwrap_or(Value::Null) } else { Value::Int(n) };
        let mut out = Vec::new();
        for up in [true, false] {
            let target = |d: i64| -> Option<i64> {
                let t = if up { start.checked_add(d)? } else { start.checked_sub(d)? };
                (lo..=hi).contains(&t).then_some(t)
            };
            let set = |n: i64| Edit::Set {
                place: leaf.place.clone(),
                ty: leaf.ty.clone(),
                from: leaf.value.clone(),
                to: make(n),
            };
            let (mut fails, mut d) = (0i64, 1i64);
            let mut found = None;
            while let Some(t) = target(d) {
                if self.holds_after(input, &[set(t)]) {
                    found = Some(d);
                    break;
                }
                fails = d;
                match d.checked_mul(2) {
                    Some(next) => d = next,
                    None => break,
                }
            }
            let Some(mut holds) = found else { continue };
            while holds - fails > 1 {
                let mid = fails + (holds - fails) / 2;
                match target(mid) {
                    Some(t) if self.holds_after(input, &[set(t)]) => holds = mid,
                    _ => fails = mid,
                }
            }
            if let Some(t) = target(holds) {
                out.push(Suggestion { edits: vec![set(t)] });
            }
        }
        out
    }

    /// One edit: a field set to another value, a number moved, an element removed.
    fn single(&mut self, input: &Value, leaves: &[Leaf], lists: &[Leaf]) -> Vec<Suggestion> {
        let mut out = Vec::new();
        for leaf in leaves {
            for to in self.choices(&leaf.ty, &leaf.value) {
                let edit = Edit::Set { place: leaf.place.clone(), ty: leaf.ty.clone(), from: leaf.value.clone(), to };
                if self.holds_after(input, std::slice::from_ref(&edit)) {
                    out.push(Suggestion { edits: vec![edit] });
                }
            }
            out.extend(self.numeric(input, leaf));
        }
        for list in lists {
            let Value::List(items) = &list.value else { continue };
            for index in 0..items.len() {
                let edit = Edit::Remove { list: list.place.clone(), index };
                if self.holds_after(input, std::slice::from_ref(&edit)) {
                    out.push(Suggestion { edits: vec![edit] });
                }
            }
        }
        out
    }

    /// Two fields of one list element changed together.
    fn pairs_in_elements(&mut self, input: &Value, leaves: &[Leaf]) -> Vec<Suggestion> {
        let mut out = Vec::new();
        for (i, a) in leaves.iter().enumerate() {
            let Some(owner) = element_of(&a.place) else { continue };
            for b in leaves.iter().skip(i + 1).filter(|b| element_of(&b.place) == Some(owner)) {
                for x in self.choices(&a.ty, &a.value) {
                    for y in self.choices(&b.ty, &b.value) {
                        let edits = vec![
                            Edit::Set {
                                place: a.place.clone(),
                                ty: a.ty.clone(),
                                from: a.value.clone(),
                                to: x.clone(),
                            },
                            Edit::Set { place: b.place.clone(), ty: b.ty.clone(), from: b.value.clone(), to: y },
                        ];
                        if self.holds_after(input, &edits) {
                            out.push(Suggestion { edits });
                        }
                    }
                }
            }
        }
        out
    }

    /// A new element at the end of a list, with up to two fields chosen.
    fn add_element(&mut self, input: &Value, list: &Leaf) -> Option<Suggestion> {
        let Ty::List(elem) = &list.ty else { return None };
        let schema = &self.program.schema;
        let element = default_value(schema, elem, 0);
        let Value::List(items) = &list.value else { return None };
        let index = items.len();
        let add = |element: Value| Edit::Add { list: list.place.clone(), ty: (**elem).clone(), element };
        let grown = apply(input, &[add(element.clone())])?;
        if self.holds(&grown) {
            return Some(Suggestion { edits: vec![add(element)] });
        }
        // The new element's places, relative to the element.
        let prefix_len = list.place.steps.len() + 1;
        let leaves: Vec<Leaf> = self
            .leaves(&grown)
            .into_iter()
            .filter(|l| l.place.steps.get(..list.place.steps.len()) == Some(list.place.steps.as_slice()))
            .filter(|l| l.place.steps.get(list.place.steps.len()) == Some(&Step::Index(index)))
            .map(|mut l| {
                l.place.steps = l.place.steps.split_off(prefix_len.min(l.place.steps.len()));
                l
            })
            .collect();
        let mut tries: Vec<Vec<(usize, Value)>> = Vec::new();
        for (i, leaf) in leaves.iter().enumerate() {
            for x in self.choices(&leaf.ty, &leaf.value) {
                tries.push(vec![(i, x)]);
            }
        }
        for (i, a) in leaves.iter().enumerate() {
            for (j, b) in leaves.iter().enumerate().skip(i + 1) {
                for x in self.choices(&a.ty, &a.value) {
                    for y in self.choices(&b.ty, &b.value) {
                        tries.push(vec![(i, x.clone()), (j, y)]);
                    }
                }
            }
        }
        for t in tries {
            let mut candidate = element.clone();
            for (i, v) in t {
                let steps = &leaves.get(i)?.place.steps;
                candidate = update(&candidate, steps, &mut |_| Some(v.clone()))?;
            }
            if self.holds_after(input, &[add(candidate.clone())]) {
                return Some(Suggestion { edits: vec![add(candidate)] });
            }
        }
        None
    }

    /// For a list whose elements can break the rule on their own (an `all`): remove every
    /// breaking element, or fix one field of each.
    fn repair_all(&mut self, input: &Value, list: &Leaf) -> Vec<Suggestion> {
        let Value::List(items) = &list.value else { return Vec::new() };
        let only = |v: Vec<Value>| Edit::Set {
            place: list.place.clone(),
            ty: list.ty.clone(),
            from: list.value.clone(),
            to: Value::List(v.into()),
        };
        if items.len() < 2 || !self.holds_after(input, &[only(Vec::new())]) {
            return Vec::new();
        }
        let mut breaking = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if !self.holds_after(input, &[only(vec![item.clone()])]) {
                breaking.push(i);
            }
        }
        if breaking.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let removals: Vec<Edit> =
            breaking.iter().rev().map(|&index| Edit::Remove { list: list.place.clone(), index }).collect();
        if self.holds_after(input, &removals) {
            out.push(Suggestion { edits: removals });
        }
        // Fix each breaking element with one field, judged on the element alone.
        let Ty::List(_) = &list.ty else { return out };
        let mut fixes = Vec::new();
        for &index in &breaking {
            let leaves: Vec<Leaf> = self
                .leaves(input)
                .into_iter()
                .filter(|l| {
                    l.place.steps.starts_with(&list.place.steps)
                        && l.place.steps.get(list.place.steps.len()) == Some(&Step::Index(index))
                })
                .collect();
            let mut fixed = None;
            'leaf: for leaf in &leaves {
                for to in self.choices(&leaf.ty, &leaf.value) {
                    let edit =
                        Edit::Set { place: leaf.place.clone(), ty: leaf.ty.clone(), from: leaf.value.clone(), to };
                    let Some(changed) = apply(input, std::slice::from_ref(&edit)) else { continue };
                    let Some(item) = value_at(&changed, &list.place.steps).and_then(|l| match l {
                        Value::List(items) => items.get(index).cloned(),
                        _ => None,
                    }) else {
                        continue;
                    };
                    if self.holds_after(input, &[only(vec![item])]) {
                        fixed = Some(edit);
                        break 'leaf;
                    }
                }
            }
            match fixed {
                Some(edit) => fixes.push(edit),
                None => return out,
            }
        }
        if self.holds_after(input, &fixes) {
            out.push(Suggestion { edits: fixes });
        }
        out
    }
}

fn value_at<'v>(value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    let Some((step, rest)) = steps.split_first() else { return Some(value) };
    match (step, value) {
        (Step::Field(i), Value::Record(fields)) => value_at(fields.get(*i as usize)?, rest),
        (Step::Index(i), Value::List(items)) => value_at(items.get(*i)?, rest),
        _ => None,
    }
}

/// The steps up to and including the last list index of a place: which element it is in.
fn element_of(place: &Place) -> Option<&[Step]> {
    let last = place.steps.iter().rposition(|s| matches!(s, Step::Index(_)))?;
    place.steps.get(..=last)
}

fn suggest_at(program: &Program, input: &Value, group: GroupId, rule_index: u32, depth: u32) -> Vec<Suggestion> {
    let Some(rule) = program.groups.get(group as usize).and_then(|g| g.rules.get(rule_index as usize)) else {
        return Vec::new();
    };
    if interp::evaluate(program, input).is_err() || rule_holds(program, input, rule) != Ok(false) {
        return Vec::new();
    }
    let mut deps = Deps::default();
    let mut env: Env = vec![None; rule.cond.locals as usize];
    deps.walk(program, &rule.cond.expr, &mut env);
    let mut search = Search { program, rule, deps, probes: 0 };
    let leaves = search.leaves(input);
    let lists = search.lists(input);
    let mut found = search.single(input, &leaves, &lists);
    if found.is_empty() {
        found.extend(search.pairs_in_elements(input, &leaves));
        for list in &lists {
            found.extend(search.add_element(input, list));
            found.extend(search.repair_all(input, list));
        }
    }
    if found.is_empty() && depth > 0 {
        found.extend(combine_groups(program, input, &search.deps.groups, depth));
    }
    // Stable: equal costs keep the order they were found in (record order).
    found.sort_by_key(Suggestion::cost);
    found.dedup();
    let mut verified = Vec::new();
    for s in found {
        if verified.len() == MAX_SUGGESTIONS {
            break;
        }
        if verify(program, input, group, rule_index, &s) {
            verified.push(s);
        }
    }
    verified
}

/// The best suggestion of each failed requirement of the groups a rule reads, together.
fn combine_groups(program: &Program, input: &Value, groups: &BTreeSet<GroupId>, depth: u32) -> Option<Suggestion> {
    let mut edits = Vec::new();
    for &g in groups {
        let Some(group) = program.groups.get(g as usize) else { continue };
        if group.kind != GroupKind::Requirements {
            continue;
        }
        for (i, rule) in group.rules.iter().enumerate() {
            if rule_holds(program, input, rule) == Ok(false) {
                let best = suggest_at(program, input, g, i as u32, depth - 1).into_iter().next()?;
                edits.extend(best.edits);
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    // Sets and additions first; removals last, highest index first, so indices stay valid.
    let (mut removals, mut rest): (Vec<Edit>, Vec<Edit>) =
        edits.into_iter().partition(|e| matches!(e, Edit::Remove { .. }));
    removals.sort_by(|a, b| match (a, b) {
        (Edit::Remove { index: x, .. }, Edit::Remove { index: y, .. }) => y.cmp(x),
        _ => std::cmp::Ordering::Equal,
    });
    rest.extend(removals);
    Some(Suggestion { edits: rest })
}

#[cfg(test)]
mod tests;
