//! The reference interpreter: the executable meaning of a checked program.
//!
//! It evaluates the IR over [`Value`]s, one record at a time, and is the specification the
//! Wasm back end is tested against. Semantics worth knowing:
//! - definitions and groups are evaluated lazily, at most once per record: a definition that a
//!   record's evaluation never reaches (say, in an `if` branch not taken) cannot fail it;
//! - `and`/`or` short-circuit; list operations visit elements in order and `all`/`any` stop at
//!   the first deciding element; `max`/`min` over a list keep the first of equal elements;
//! - integer arithmetic is checked: overflow, division by zero and dates leaving
//!   0001-01-01..=9999-12-31 stop the record with an [`EvalError`] naming the site.
//!
//! Recursion depth is bounded by the checker: expression depth by the parser's limit and call
//! depth by the absence of recursion.

use super::*;
use dexp_runtime::{date, decimal};
use std::sync::Arc;

/// Why a record could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} at site {site}", failure.message())]
pub struct EvalError {
    /// The failing site, an index into [`Program::sites`].
    pub site: SiteId,
    /// What went wrong there.
    pub failure: Failure,
}

/// The ways evaluating a record can fail. They match the status words of the Wasm ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Integer arithmetic left the 64-bit range.
    Overflow,
    /// Date arithmetic left 0001-01-01..=9999-12-31.
    DateRange,
    /// Division by zero.
    DivisionByZero,
    /// A `count distinct` kept more than [`MAX_DISTINCT_VALUES`] values.
    TooManyValues,
}

impl Failure {
    /// The message reported for a record that failed this way (the ABI's status message).
    pub fn message(self) -> &'static str {
        match self {
            Failure::Overflow => "integer overflow",
            Failure::DateRange => "date out of range",
            Failure::DivisionByZero => "division by zero",
            Failure::TooManyValues => "too many values for a distinct count",
        }
    }
}

fn overflow(site: SiteId) -> EvalError {
    EvalError { site, failure: Failure::Overflow }
}

/// Evaluates the program's output for one input record.
pub fn evaluate(program: &Program, input: &Value) -> Result<Value, EvalError> {
    let mut ctx = Ctx::new(program, input);
    let mut frame = vec![Value::Null; program.output.locals as usize];
    ctx.eval(&program.output.expr, &mut frame)
}

/// Evaluates one group's code bitset for a record (used by explanations and coverage).
pub fn evaluate_group(program: &Program, input: &Value, group: GroupId) -> Result<u64, EvalError> {
    Ctx::new(program, input).group(group)
}

/// Evaluates one rule's condition for a record while recording the values it reads.
/// Returns whether the condition holds, and the reads.
pub(crate) fn trace_rule(program: &Program, input: &Value, rule: &Rule) -> Result<(bool, Vec<Read>), EvalError> {
    let mut ctx = Ctx::new(program, input);
    ctx.trace = Some(Box::new(Trace {
        schema: &program.schema,
        defs: &program.defs,
        frames: vec![vec![None; rule.cond.locals as usize]],
        reads: Vec::new(),
    }));
    let mut frame = vec![Value::Null; rule.cond.locals as usize];
    let holds = bool_of(&ctx.eval(&rule.cond.expr, &mut frame)?);
    let reads = ctx.trace.map(|t| t.reads).unwrap_or_default();
    Ok((holds, reads))
}

/// Whether one rule's condition holds for a record (used by suggestions, which try many
/// candidate records against one requirement).
pub(crate) fn rule_holds(program: &Program, input: &Value, rule: &Rule) -> Result<bool, EvalError> {
    let mut ctx = Ctx::new(program, input);
    let mut frame = vec![Value::Null; rule.cond.locals as usize];
    Ok(bool_of(&ctx.eval(&rule.cond.expr, &mut frame)?))
}

/// The input path of an expression that reads a field chain from the input, for
/// explanations (`users.total`).
pub(crate) fn static_path(program: &Program, e: &Expr) -> Option<String> {
    let input = Value::Null;
    let mut ctx = Ctx::new(program, &input);
    ctx.trace = Some(Box::new(Trace {
        schema: &program.schema,
        defs: &program.defs,
        frames: vec![Vec::new()],
        reads: Vec::new(),
    }));
    ctx.path_of(e)
}

/// Evaluates an expression that reads no input, definitions, functions or groups (a
/// constant's body) and describes the failure, if any.
pub(crate) fn eval_constant(expr: &Expr, frame: &mut [Value], sites: &[Site]) -> Result<Value, String> {
    let input = Value::Null;
    let mut ctx = Ctx {
        defs: &[],
        fns: &[],
        groups: &[],
        input: &input,
        def_memo: Vec::new(),
        group_memo: Vec::new(),
        trace: None,
    };
    ctx.eval(expr, frame).map_err(|e| sites.get(e.site as usize).map(|s| s.what.clone()).unwrap_or_default())
}

struct Ctx<'p> {
    defs: &'p [Def],
    fns: &'p [Function],
    groups: &'p [Group],
    input: &'p Value,
    def_memo: Vec<Option<Value>>,
    group_memo: Vec<Option<u64>>,
    /// Set only when explaining a decision: records the values read, with their paths.
    trace: Option<Box<Trace<'p>>>,
}

/// One value an explaining evaluation read: its path or definition name, type and value.
pub(crate) type Read = (String, Ty, Value);

/// What an explaining evaluation records.
pub(crate) struct Trace<'p> {
    schema: &'p Schema,
    defs: &'p [Def],
    /// The input path of each local slot, per active body (innermost last).
    frames: Vec<Vec<Option<String>>>,
    /// Values read, in order, without repeats: (path or definition name, type, value).
    pub(crate) reads: Vec<Read>,
}

type R = Result<Value, EvalError>;

/// A checked program never produces these mismatches; they map to the nearest safe value
/// instead of panicking.
fn bool_of(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Decimal(i) => *i,
        Value::Date(d) => i64::from(*d),
        Value::Enum(e) => i64::from(*e),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// The elements a list operation runs over: a list's, or a map's entries in key order, each as
/// a record of its key and its value (what `.key` and `.value` read).
fn items_of(v: &Value) -> Arc<[Value]> {
    match v {
        Value::List(items) => items.clone(),
        Value::Map(entries) => {
            entries.iter().map(|(k, v)| Value::Record(Arc::from([Value::Str(k.clone()), v.clone()]))).collect()
        }
        _ => Arc::from(Vec::new()),
    }
}

/// The value of `key` in a map, or `Null` when the map has no such key.
fn map_get(map: &Value, key: &Value) -> Value {
    match (map, key) {
        (Value::Map(entries), Value::Str(key)) => {
            entries.iter().find(|(k, _)| k == key).map_or(Value::Null, |(_, v)| v.clone())
        }
        _ => Value::Null,
    }
}

/// The path of a map's entry, `m["key"]`, for explanations.
fn entry_path(base: &str, key: &str) -> String {
    let mut out = base.to_string();
    out.push('[');
    dexp_runtime::decode::write_json_str(&mut out, key);
    out.push(']');
    out
}

impl<'p> Ctx<'p> {
    fn new(program: &'p Program, input: &'p Value) -> Ctx<'p> {
        Ctx {
            defs: &program.defs,
            fns: &program.fns,
            groups: &program.groups,
            input,
            def_memo: vec![None; program.defs.len()],
            group_memo: vec![None; program.groups.len()],
            trace: None,
        }
    }

    /// The input path an expression reads, when it is a field chain from the input or from a
    /// list element.
    fn path_of(&self, e: &Expr) -> Option<String> {
        let trace = self.trace.as_ref()?;
        match &e.kind {
            ExprKind::Input => Some(String::new()),
            ExprKind::Local(slot) => trace.frames.last()?.get(*slot as usize)?.clone(),
            // An entry's path (`m["k"]`) names its value; its key is not an input place.
            ExprKind::Field(inner, 1) if matches!(inner.ty, Ty::Entry(_)) => self.path_of(inner),
            ExprKind::Field(inner, i) => {
                let base = self.path_of(inner)?;
                let Ty::Record(r) = &inner.ty else { return None };
                let name = &trace.schema.records.get(*r as usize)?.fields.get(*i as usize)?.name;
                Some(if base.is_empty() { name.clone() } else { format!("{base}.{name}") })
            }
            _ => None,
        }
    }

    fn record_read(&mut self, name: String, ty: &Ty, value: &Value) {
        if matches!(value, Value::Record(_) | Value::List(_) | Value::Map(_)) {
            return;
        }
        if let Some(trace) = self.trace.as_mut() {
            if !trace.reads.iter().any(|(n, _, _)| *n == name) {
                trace.reads.push((name, ty.clone(), value.clone()));
            }
        }
    }

    fn push_frame(&mut self, paths: Vec<Option<String>>) {
        if let Some(trace) = self.trace.as_mut() {
            trace.frames.push(paths);
        }
    }

    fn pop_frame(&mut self) {
        if let Some(trace) = self.trace.as_mut() {
            trace.frames.pop();
        }
    }

    fn def(&mut self, id: DefId) -> R {
        if let Some(Some(v)) = self.def_memo.get(id as usize) {
            return Ok(v.clone());
        }
        let Some(def) = self.defs.get(id as usize) else {
            return Ok(Value::Null);
        };
        let mut frame = vec![Value::Null; def.body.locals as usize];
        self.push_frame(vec![None; def.body.locals as usize]);
        let v = self.eval(&def.body.expr, &mut frame);
        self.pop_frame();
        let v = v?;
        if let Some(slot) = self.def_memo.get_mut(id as usize) {
            *slot = Some(v.clone());
        }
        Ok(v)
    }

    fn group(&mut self, id: GroupId) -> Result<u64, EvalError> {
        if let Some(Some(bits)) = self.group_memo.get(id as usize) {
            return Ok(*bits);
        }
        let Some(group) = self.groups.get(id as usize) else {
            return Ok(0);
        };
        let mut bits = 0u64;
        for (i, rule) in group.rules.iter().enumerate() {
            let mut frame = vec![Value::Null; rule.cond.locals as usize];
            self.push_frame(vec![None; rule.cond.locals as usize]);
            let holds = self.eval(&rule.cond.expr, &mut frame);
            self.pop_frame();
            let holds = bool_of(&holds?);
            let listed = match group.kind {
                GroupKind::Requirements => !holds,
                GroupKind::Advisories => holds,
            };
            if listed && i < 64 {
                bits |= 1 << i;
            }
        }
        if let Some(slot) = self.group_memo.get_mut(id as usize) {
            *slot = Some(bits);
        }
        Ok(bits)
    }

    fn eval(&mut self, e: &Expr, frame: &mut [Value]) -> R {
        crate::stack::guard(|| self.eval_inner(e, frame))
    }

    fn eval_inner(&mut self, e: &Expr, frame: &mut [Value]) -> R {
        use ExprKind as K;
        Ok(match &e.kind {
            K::Const(v) => v.clone(),
            K::Input => self.input.clone(),
            K::Local(slot) => frame.get(*slot as usize).cloned().unwrap_or(Value::Null),
            K::Def(id) => {
                // An explanation shows what a definition is worth, not how it was computed.
                let trace = self.trace.take();
                let v = self.def(*id);
                self.trace = trace;
                let v = v?;
                if let Some(name) = self.trace.as_ref().and_then(|t| t.defs.get(*id as usize)).map(|d| d.name.clone()) {
                    self.record_read(name, &e.ty, &v);
                }
                v
            }
            K::Call(id, args) => {
                let Some(f) = self.fns.get(*id as usize) else {
                    return Ok(Value::Null);
                };
                let mut callee = vec![Value::Null; (f.body.locals as usize).max(args.len())];
                for (slot, arg) in callee.iter_mut().zip(args) {
                    *slot = self.eval(arg, frame)?;
                }
                if self.trace.is_some() {
                    let mut paths: Vec<Option<String>> = args.iter().map(|a| self.path_of(a)).collect();
                    paths.resize(callee.len(), None);
                    self.push_frame(paths);
                }
                let v = self.eval(&f.body.expr, &mut callee);
                if self.trace.is_some() {
                    self.pop_frame();
                }
                v?
            }
            K::Codes(g) => {
                let trace = self.trace.take();
                let bits = self.group(*g);
                self.trace = trace;
                let v = Value::Codes(bits?);
                if let Some(name) = self.groups.get(*g as usize).map(|g| g.name.clone()) {
                    if self.trace.is_some() {
                        self.record_read(name, &e.ty, &v);
                    }
                }
                v
            }
            K::CodesEmpty(c) => Value::Bool(matches!(self.eval(c, frame)?, Value::Codes(0))),
            K::HasCode(c, bit) => match self.eval(c, frame)? {
                Value::Codes(bits) => Value::Bool(*bit < 64 && bits & (1 << bit) != 0),
                _ => Value::Bool(false),
            },
            K::Field(r, i) => {
                let v = match self.eval(r, frame)? {
                    Value::Record(fields) => fields.get(*i as usize).cloned().unwrap_or(Value::Null),
                    _ => Value::Null,
                };
                if self.trace.is_some() {
                    if let Some(path) = self.path_of(e) {
                        self.record_read(path, &e.ty, &v);
                    }
                }
                v
            }
            K::Not(a) => Value::Bool(!bool_of(&self.eval(a, frame)?)),
            K::And(a, b) => Value::Bool(bool_of(&self.eval(a, frame)?) && bool_of(&self.eval(b, frame)?)),
            K::Or(a, b) => Value::Bool(bool_of(&self.eval(a, frame)?) || bool_of(&self.eval(b, frame)?)),
            K::Neg(a, site) => {
                let v = int_of(&self.eval(a, frame)?);
                let v = v.checked_neg().ok_or(overflow(*site))?;
                if e.ty == Ty::Decimal {
                    Value::Decimal(v)
                } else {
                    Value::Int(v)
                }
            }
            K::Arith(op, a, b, site) => {
                let (x, y) = (int_of(&self.eval(a, frame)?), int_of(&self.eval(b, frame)?));
                if *op == ArithOp::Div && y == 0 {
                    return Err(EvalError { site: *site, failure: Failure::DivisionByZero });
                }
                if e.ty == Ty::Decimal {
                    Value::Decimal(decimal_arith(*op, x, y).ok_or(overflow(*site))?)
                } else {
                    Value::Int(arith(*op, x, y).ok_or(overflow(*site))?)
                }
            }
            K::Round(a, digits, site) => {
                let v = int_of(&self.eval(a, frame)?);
                Value::Decimal(decimal::round(v, *digits).ok_or(overflow(*site))?)
            }
            K::ToDecimal(a, site) => {
                let v = int_of(&self.eval(a, frame)?);
                Value::Decimal(decimal::from_int(v).ok_or(overflow(*site))?)
            }
            K::Compare(op, a, b) => {
                let (x, y) = (self.eval(a, frame)?, self.eval(b, frame)?);
                Value::Bool(compare(*op, &x, &y))
            }
            K::InSet(a, set) => {
                let v = self.eval(a, frame)?;
                Value::Bool(set.contains(&v))
            }
            K::InList(a, list) => {
                let v = self.eval(a, frame)?;
                Value::Bool(items_of(&self.eval(list, frame)?).contains(&v))
            }
            K::If(c, t, f, _) => {
                if bool_of(&self.eval(c, frame)?) {
                    self.eval(t, frame)?
                } else {
                    self.eval(f, frame)?
                }
            }
            K::Match(scrutinee, table, arms, _) => {
                let variant = match self.eval(scrutinee, frame)? {
                    Value::Enum(v) => v,
                    _ => 0,
                };
                let arm = table.get(variant as usize).and_then(|a| arms.get(*a as usize));
                match arm {
                    Some(body) => self.eval(body, frame)?,
                    None => Value::Null,
                }
            }
            K::Quant(q) => self.quant(q, frame)?,
            K::MinMax(is_max, args) => {
                let mut best: Option<Value> = None;
                for arg in args {
                    let v = self.eval(arg, frame)?;
                    best = Some(match best {
                        None => v,
                        Some(b) => pick(*is_max, b, v),
                    });
                }
                best.unwrap_or(Value::Null)
            }
            K::Coalesce(a, b) => match self.eval(a, frame)? {
                Value::Null => self.eval(b, frame)?,
                v => v,
            },
            K::IsPresent(a) => Value::Bool(self.eval(a, frame)? != Value::Null),
            K::Lift(a) => self.eval(a, frame)?,
            K::DateShift(d, n, negate, site) => {
                let day = int_of(&self.eval(d, frame)?);
                let n = int_of(&self.eval(n, frame)?);
                let n = if *negate { n.checked_neg() } else { Some(n) };
                let shifted = n.and_then(|n| i32::try_from(day).ok().and_then(|d| date::add_days(d, n)));
                Value::Date(shifted.ok_or(EvalError { site: *site, failure: Failure::DateRange })?)
            }
            K::DateDiff(a, b) => {
                let (x, y) = (int_of(&self.eval(a, frame)?), int_of(&self.eval(b, frame)?));
                Value::Int(x - y)
            }
            K::DatePart(part, d) => {
                let day = i32::try_from(int_of(&self.eval(d, frame)?)).unwrap_or(0);
                Value::Int(match part {
                    DatePart::Year => i64::from(date::year(day)),
                    DatePart::Quarter => i64::from(date::quarter(day)),
                    DatePart::Month => i64::from(date::month(day)),
                    DatePart::Day => i64::from(date::day(day)),
                })
            }
            K::Let { slot, value, body, .. } => {
                let v = self.eval(value, frame)?;
                if self.trace.is_some() {
                    let path = self.path_of(value);
                    if let Some(p) =
                        self.trace.as_mut().and_then(|t| t.frames.last_mut()).and_then(|f| f.get_mut(*slot as usize))
                    {
                        *p = path;
                    }
                }
                if let Some(s) = frame.get_mut(*slot as usize) {
                    *s = v;
                }
                self.eval(body, frame)?
            }
            K::ListLen(list) => {
                let v = self.eval(list, frame)?;
                if self.trace.is_some() {
                    if let Some(path) = self.path_of(list) {
                        self.record_read(format!("len({path})"), &Ty::Int, &Value::Int(items_of(&v).len() as i64));
                    }
                }
                Value::Int(items_of(&v).len() as i64)
            }
            K::MapGet(map, key) => {
                let m = self.eval(map, frame)?;
                let k = self.eval(key, frame)?;
                let v = map_get(&m, &k);
                if self.trace.is_some() {
                    if let (Some(path), Value::Str(k)) = (self.path_of(map), &k) {
                        self.record_read(entry_path(&path, k), &e.ty, &v);
                    }
                }
                v
            }
            K::HasKey(map, key) => {
                let m = self.eval(map, frame)?;
                let k = self.eval(key, frame)?;
                Value::Bool(map_get(&m, &k) != Value::Null)
            }
            K::Text(op, args) => {
                let mut strs = Vec::with_capacity(args.len());
                for a in args {
                    strs.push(match self.eval(a, frame)? {
                        Value::Str(s) => s,
                        _ => Arc::from(""),
                    });
                }
                let (a, b) = match strs.as_slice() {
                    [a] => (&**a, ""),
                    [a, b] => (&**a, &**b),
                    _ => ("", ""),
                };
                match op {
                    TextOp::StartsWith => Value::Bool(a.starts_with(b)),
                    TextOp::EndsWith => Value::Bool(a.ends_with(b)),
                    TextOp::Contains => Value::Bool(a.contains(b)),
                    TextOp::EqIgnoreCase => Value::Bool(a.eq_ignore_ascii_case(b)),
                    TextOp::Lower => Value::Str(Arc::from(a.to_ascii_lowercase())),
                    TextOp::Upper => Value::Str(Arc::from(a.to_ascii_uppercase())),
                    TextOp::Length => Value::Int(a.chars().count() as i64),
                }
            }
            K::Record(fields) | K::List(fields) => {
                let mut values = Vec::with_capacity(fields.len());
                for f in fields {
                    values.push(self.eval(f, frame)?);
                }
                if matches!(e.kind, K::Record(_)) {
                    Value::Record(values.into())
                } else {
                    Value::List(values.into())
                }
            }
        })
    }
}

/// Keeps the first of equal values, so `max`/`min` are stable.
fn pick(is_max: bool, best: Value, next: Value) -> Value {
    let (b, n) = (int_of(&best), int_of(&next));
    if (is_max && n > b) || (!is_max && n < b) {
        next
    } else {
        best
    }
}

/// Checked integer arithmetic; `None` on overflow or division by zero.
pub fn arith(op: ArithOp, x: i64, y: i64) -> Option<i64> {
    match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        ArithOp::Div => x.checked_div(y),
    }
}

/// Checked decimal arithmetic on millionths: `*` and `/` exact in 128 bits, then rounded
/// half away from zero; `None` on overflow or division by zero.
pub fn decimal_arith(op: ArithOp, x: i64, y: i64) -> Option<i64> {
    match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => decimal::mul(x, y),
        ArithOp::Div => decimal::div(x, y),
    }
}

fn compare(op: CmpOp, x: &Value, y: &Value) -> bool {
    // An int and a decimal compare exactly, in 128 bits.
    let mixed = match (x, y) {
        (Value::Decimal(d), Value::Int(i)) => Some(decimal::cmp_int(*d, *i)),
        (Value::Int(i), Value::Decimal(d)) => Some(decimal::cmp_int(*d, *i).reverse()),
        _ => None,
    };
    if let Some(order) = mixed {
        return match op {
            CmpOp::Eq => order.is_eq(),
            CmpOp::Ne => order.is_ne(),
            CmpOp::Lt => order.is_lt(),
            CmpOp::Le => order.is_le(),
            CmpOp::Gt => order.is_gt(),
            CmpOp::Ge => order.is_ge(),
        };
    }
    match op {
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Lt => int_of(x) < int_of(y),
        CmpOp::Le => int_of(x) <= int_of(y),
        CmpOp::Gt => int_of(x) > int_of(y),
        CmpOp::Ge => int_of(x) >= int_of(y),
    }
}

mod quant;
#[cfg(test)]
mod tests;
