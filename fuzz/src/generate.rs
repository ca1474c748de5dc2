//! A generator of well-typed dexp policies, driven by fuzzer bytes.
//!
//! The bytes are read through [`arbitrary::Unstructured`] as a sequence of choices (which
//! declarations, which types, which expression forms), in the manner of wasm-smith: every
//! input gives a policy, mutating the input changes the policy locally, and when the bytes run
//! out every remaining choice falls to its first option, which is always a leaf, so generation
//! ends. Expressions are built type-directed from the declarations in scope, so the result
//! passes the checker: definitions only refer to earlier ones (no recursion), names are
//! unique, enum variants shared by several enums are qualified, `null` and `[]` appear only
//! where the expected type is known, and every compound expression is parenthesized.
//!
//! Record fields and input lists are where the records from the fuzzer reach the policy, so
//! references to input fields (and paths through nested records) are preferred to literals.
//! Maps appear only as input fields (there are no map literals): they are looked up with a
//! default, tested for keys, counted and iterated like lists, their entries' `.key` and
//! `.value` read like fields.

use arbitrary::{Result, Unstructured};
use std::fmt::Write as _;

/// A type of the generated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
enum T {
    Bool,
    Int,
    /// `decimal`.
    Dec,
    Date,
    Str,
    /// An enum, by index into `Gen::enums`.
    Enum(usize),
    /// A record, by index into `Gen::recs`.
    Rec(usize),
    List(Box<T>),
    Opt(Box<T>),
    /// The codes of a group, by index into `Gen::groups`.
    Codes(usize),
    /// `map of string to T`: only as a field of the input record, since the language has no
    /// map literals to build one from.
    Map(Box<T>),
    /// An entry of a map of `T`: only as a list operation's variable (`e.key`, `e.value`).
    Entry(Box<T>),
}

impl T {
    fn list(t: T) -> T {
        T::List(Box::new(t))
    }

    fn opt(t: T) -> T {
        match t {
            T::Opt(_) => t,
            t => T::Opt(Box::new(t)),
        }
    }

    /// Whether `<`, `max` and `min` apply.
    fn ordered(&self) -> bool {
        matches!(self, T::Int | T::Dec | T::Date | T::Enum(_))
    }

    /// Whether a set literal of constants of this type can follow `in`.
    fn settable(&self) -> bool {
        matches!(self, T::Bool | T::Int | T::Date | T::Str | T::Enum(_))
    }
}

struct Enum {
    name: String,
    variants: Vec<String>,
}

struct Rec {
    name: String,
    fields: Vec<(String, T)>,
}

struct Func {
    name: String,
    params: Vec<T>,
    ret: T,
}

struct Group {
    name: String,
    codes: Vec<String>,
}

/// What an expression may refer to: a prefix of each kind of declaration.
#[derive(Clone, Copy, Default)]
struct Visible {
    input: bool,
    consts: usize,
    sets: usize,
    lets: usize,
    fns: usize,
    groups: usize,
}

/// The most expression nodes in one policy; past it only leaves are generated.
const MAX_NODES: usize = 600;
/// The deepest expression nesting the generator starts from (well under the parser's limits).
const MAX_DEPTH: u32 = 5;

const VARIANT_NAMES: &[&str] = &["red", "green", "blue", "low", "high", "none", "full", "on", "off"];
const STRINGS: &[&str] = &["", "a", "b", "tenant-1", "T\u{e9}nant \\\"0\\\" \u{2713}", "line\\nbreak\\t\\\\", "eu"];
const INTS: &[i64] = &[0, 1, 2, 3, 7, 10, 100, 1_000_000, 4_294_967_296, 4_611_686_018_427_387_904, i64::MAX];
/// Decimal literals: ties for `*` and `/`, the range's end and the square root of it.
const DECIMALS: &[&str] = &[
    "0.0",
    "0.5",
    "1.5",
    "2.5",
    "0.000001",
    "0.000005",
    "19.99",
    "0.333333",
    "3037000.499976",
    "9223372036854.775807",
];
const DATES: &[&str] =
    &["0001-01-01", "9999-12-31", "1970-01-01", "2000-02-29", "2024-02-29", "2026-01-31", "1999-12-31"];

struct Gen<'a, 'u> {
    u: &'a mut Unstructured<'u>,
    enums: Vec<Enum>,
    recs: Vec<Rec>,
    /// The input record, by index into `recs`.
    input: usize,
    /// Whether `recs` holds the input record yet (it is the last one).
    input_built: bool,
    consts: Vec<(String, T)>,
    /// Set constants and their element type.
    sets: Vec<(String, T)>,
    lets: Vec<(String, T)>,
    fns: Vec<Func>,
    groups: Vec<Group>,
    vis: Visible,
    /// Quantifier variables and function parameters in scope.
    locals: Vec<(String, T)>,
    fresh: usize,
    nodes: usize,
}

/// Generates the source of a policy that the checker accepts (nearly always: a constant that
/// overflows is still reported), from the choices in `u`.
pub fn policy(u: &mut Unstructured<'_>) -> Result<String> {
    let mut g = Gen {
        u,
        enums: Vec::new(),
        recs: Vec::new(),
        input: 0,
        input_built: false,
        consts: Vec::new(),
        sets: Vec::new(),
        lets: Vec::new(),
        fns: Vec::new(),
        groups: Vec::new(),
        vis: Visible::default(),
        locals: Vec::new(),
        fresh: 0,
        nodes: 0,
    };
    g.policy()
}

impl Gen<'_, '_> {
    fn policy(&mut self) -> Result<String> {
        let mut out = String::from("policy fuzzed version \"0.1.0\"\n\n");
        self.enums()?;
        self.records()?;
        for e in &self.enums {
            let _ = writeln!(out, "enum {} {{ {} }}", e.name, e.variants.join(", "));
        }
        for r in &self.recs {
            let fields: Vec<String> = r.fields.iter().map(|(n, t)| format!("{n}: {}", self.ty_src(t))).collect();
            let _ = writeln!(out, "record {} {{ {} }}", r.name, fields.join(", "));
        }
        let input = &self.recs[self.input];
        let key = input.fields.iter().find(|(_, t)| *t == T::Str).map(|(n, _)| n.clone());
        match key {
            Some(key) if self.u.arbitrary::<bool>()? => {
                let _ = writeln!(out, "input {} key {key}\n", input.name);
            }
            _ => {
                let _ = writeln!(out, "input {}\n", input.name);
            }
        }
        self.consts(&mut out)?;
        self.vis.input = true;
        self.definitions(&mut out)?;
        self.output(&mut out)?;
        Ok(out)
    }

    fn enums(&mut self) -> Result<()> {
        let n = self.u.int_in_range(0..=3)?;
        for i in 0..n {
            let variants = if crate::chance(self.u, 1, 16)? {
                // More than 256 variants: four-byte values in the layout.
                (0..257).map(|k| format!("w{k}")).collect()
            } else {
                let count = self.u.int_in_range(1..=4)?;
                let mut names: Vec<String> = Vec::new();
                for _ in 0..count {
                    let name = self.u.choose(VARIANT_NAMES)?.to_string();
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            };
            self.enums.push(Enum { name: format!("E{i}"), variants });
        }
        Ok(())
    }

    /// Nested records first, each using only earlier ones, then the input record.
    fn records(&mut self) -> Result<()> {
        let n = self.u.int_in_range(0..=3)?;
        for i in 0..n {
            let count = self.u.int_in_range(1..=4)?;
            let mut fields = Vec::new();
            for k in 0..count {
                fields.push((format!("f{k}"), self.field_ty(2)?));
            }
            self.recs.push(Rec { name: format!("R{i}"), fields });
        }
        let count = self.u.int_in_range(1..=7)?;
        let mut fields = Vec::new();
        for k in 0..count {
            let t = self.field_ty(2)?;
            // A map of the field's type instead, unless it is optional (map values are not).
            let t = if !matches!(t, T::Opt(_)) && crate::chance(self.u, 1, 5)? { T::Map(Box::new(t)) } else { t };
            fields.push((format!("in{k}"), t));
        }
        self.input = self.recs.len();
        self.input_built = true;
        self.recs.push(Rec { name: "In".into(), fields });
        Ok(())
    }

    /// A type for a record field or a definition, using the enums and records so far.
    fn field_ty(&mut self, depth: u32) -> Result<T> {
        let base = self.base_ty(depth)?;
        Ok(match base {
            T::List(_) => base,
            t if crate::chance(self.u, 1, 4)? => T::opt(t),
            t => t,
        })
    }

    /// A type without a top-level `?`.
    fn base_ty(&mut self, depth: u32) -> Result<T> {
        let choice = self.u.int_in_range(0..=8)?;
        Ok(match choice {
            0 => T::Int,
            8 => T::Dec,
            1 => T::Bool,
            2 => T::Date,
            3 => T::Str,
            4 if !self.enums.is_empty() => T::Enum(self.u.choose_index(self.enums.len())?),
            5 if self.nested_records() > 0 => T::Rec(self.u.choose_index(self.nested_records())?),
            6 | 7 if depth > 0 => {
                let inner = self.base_ty(depth - 1)?;
                let inner =
                    if !matches!(inner, T::List(_)) && crate::chance(self.u, 1, 5)? { T::opt(inner) } else { inner };
                T::list(inner)
            }
            _ => T::Int,
        })
    }

    /// The records other than the input record, which expressions can build and read.
    fn nested_records(&self) -> usize {
        if self.input_built {
            self.input
        } else {
            self.recs.len()
        }
    }

    fn ty_src(&self, t: &T) -> String {
        match t {
            T::Bool => "bool".into(),
            T::Int => "int".into(),
            T::Dec => "decimal".into(),
            T::Date => "date".into(),
            T::Str => "string".into(),
            T::Enum(e) => self.enums[*e].name.clone(),
            T::Rec(r) => self.recs[*r].name.clone(),
            T::List(t) => format!("list of {}", self.ty_src(t)),
            T::Opt(t) => format!("{}?", self.ty_src(t)),
            T::Codes(g) => format!("codes({})", self.groups[*g].name),
            T::Map(t) => format!("map of string to {}", self.ty_src(t)),
            // Never written: entries are only the variables of list operations.
            T::Entry(t) => format!("entry of {}", self.ty_src(t)),
        }
    }

    fn consts(&mut self, out: &mut String) -> Result<()> {
        for i in 0..self.u.int_in_range(0..=2)? {
            let t = self.base_ty(1)?;
            let t = if matches!(t, T::Rec(_)) { T::Int } else { t };
            let name = format!("c{i}");
            let value = self.expr(&t, 2, false)?;
            let _ = writeln!(out, "const {name}: {} = {value}", self.ty_src(&t));
            self.consts.push((name, t));
            self.vis.consts = self.consts.len();
        }
        for i in 0..self.u.int_in_range(0..=1)? {
            let t = match self.u.int_in_range(0..=2)? {
                0 if !self.enums.is_empty() => T::Enum(self.u.choose_index(self.enums.len())?),
                1 => T::Str,
                _ => T::Int,
            };
            let name = format!("s{i}");
            let set = self.set_literal(&t)?;
            let _ = writeln!(out, "const {name} = {set}");
            self.sets.push((name, t));
            self.vis.sets = self.sets.len();
        }
        out.push('\n');
        Ok(())
    }

    /// Lets, functions and groups, interleaved; each sees only the ones before it.
    fn definitions(&mut self, out: &mut String) -> Result<()> {
        let n = self.u.int_in_range(0..=8)?;
        for _ in 0..n {
            match self.u.int_in_range(0..=2)? {
                0 => self.let_decl(out)?,
                1 => self.fn_decl(out)?,
                _ => self.group_decl(out)?,
            }
        }
        Ok(())
    }

    fn let_decl(&mut self, out: &mut String) -> Result<()> {
        let t = self.field_ty(2)?;
        let name = format!("l{}", self.lets.len());
        let value = self.expr(&t, MAX_DEPTH, true)?;
        let needs_type = contains_opt_or_list(&t);
        if needs_type || self.u.arbitrary::<bool>()? {
            let _ = writeln!(out, "let {name}: {} =\n    {value}", self.ty_src(&t));
        } else {
            let _ = writeln!(out, "let {name} =\n    {value}");
        }
        self.lets.push((name, t));
        self.vis.lets = self.lets.len();
        Ok(())
    }

    fn fn_decl(&mut self, out: &mut String) -> Result<()> {
        let count = self.u.int_in_range(0..=3)?;
        let mut params = Vec::new();
        for _ in 0..count {
            let t = self.field_ty(1)?;
            let name = self.fresh_name("p");
            params.push((name, t));
        }
        let ret = self.field_ty(1)?;
        self.locals = params.clone();
        let body = self.expr(&ret, MAX_DEPTH, true);
        self.locals.clear();
        let body = body?;
        let name = format!("h{}", self.fns.len());
        let list: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", self.ty_src(t))).collect();
        let _ = writeln!(out, "fn {name}({}) -> {} =\n    {body}", list.join(", "), self.ty_src(&ret));
        self.fns.push(Func { name, params: params.into_iter().map(|(_, t)| t).collect(), ret });
        self.vis.fns = self.fns.len();
        Ok(())
    }

    fn group_decl(&mut self, out: &mut String) -> Result<()> {
        let kind = if self.u.arbitrary::<bool>()? { "requirements" } else { "advisories" };
        let name = format!("g{}", self.groups.len());
        let count = self.u.int_in_range(0..=4)?;
        let _ = writeln!(out, "{kind} {name} {{");
        let mut codes = Vec::new();
        for k in 0..count {
            let code = format!("k{k}");
            let cond = self.expr(&T::Bool, MAX_DEPTH, true)?;
            let _ = writeln!(out, "    {code} \"rule {k} of {name}\":\n        {cond}");
            codes.push(code);
        }
        out.push_str("}\n");
        self.groups.push(Group { name, codes });
        self.vis.groups = self.groups.len();
        Ok(())
    }

    fn output(&mut self, out: &mut String) -> Result<()> {
        let count = self.u.int_in_range(1..=6)?;
        let mut fields = Vec::new();
        for k in 0..count {
            let t = if !self.groups.is_empty() && crate::chance(self.u, 1, 5)? {
                T::Codes(self.u.choose_index(self.groups.len())?)
            } else {
                self.field_ty(2)?
            };
            fields.push((format!("o{k}"), t));
        }
        let decl: Vec<String> = fields.iter().map(|(n, t)| format!("{n}: {}", self.ty_src(t))).collect();
        let _ = writeln!(out, "\nrecord Out {{ {} }}\n", decl.join(", "));
        out.push_str("output Out {\n");
        for (name, t) in &fields {
            let value = self.expr(t, MAX_DEPTH, true)?;
            let _ = writeln!(out, "    {name}: {value},");
        }
        out.push_str("}\n");
        Ok(())
    }

    fn fresh_name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    // ---- expressions -------------------------------------------------------------------

    /// An expression of type `t`. `known` says whether the context tells the checker the
    /// expected type, which `null` and `[]` need.
    fn expr(&mut self, t: &T, depth: u32, known: bool) -> Result<String> {
        self.nodes += 1;
        if depth == 0 || self.nodes > MAX_NODES {
            return self.leaf(t, known);
        }
        let d = depth - 1;
        // The forms that apply to `t`; the first is a leaf, so running out of bytes ends here.
        let mut forms: Vec<Form> = vec![Form::Leaf];
        let refs = self.refs(|rt| rt == t);
        if !refs.is_empty() {
            forms.extend([Form::Ref, Form::Ref, Form::Ref]);
        }
        if !self.refs(|rt| matches!(rt, T::Opt(inner) if **inner == *t)).is_empty() {
            forms.push(Form::Default);
        }
        if !self.refs(|rt| matches!(rt, T::Map(v) if **v == *t)).is_empty() {
            forms.push(Form::Lookup);
        }
        if matches!(t, T::Bool) && !self.map_refs().is_empty() {
            forms.push(Form::HasKey);
        }
        if !matches!(t, T::Codes(_)) {
            forms.extend([Form::If, Form::Field]);
            if !self.enums.is_empty() {
                forms.push(Form::Match);
            }
            if self.callable(t) {
                forms.push(Form::Call);
            }
        }
        if t.ordered() {
            forms.extend([Form::Extreme, Form::Builtin]);
        }
        match t {
            T::Bool => forms.extend([Form::Not, Form::Logic, Form::Logic, Form::Compare, Form::Compare, Form::Member]),
            T::Int => forms.extend([
                Form::Arith,
                Form::Arith,
                Form::Neg,
                Form::Count,
                Form::Sum,
                Form::DatePart,
                Form::Distinct,
            ]),
            T::Date => forms.push(Form::Shift),
            T::Dec => forms.extend([Form::DecArith, Form::DecArith, Form::Neg, Form::DecOf, Form::Round]),
            _ => {}
        }
        if matches!(t, T::Bool) && self.vis.groups > 0 {
            forms.push(Form::GroupFlag);
        }
        if matches!(t, T::Bool) {
            forms.push(Form::Quant);
            if !self.refs(|rt| matches!(rt, T::Opt(_))).is_empty() {
                forms.push(Form::Present);
            }
        }
        if matches!(t, T::Int) {
            forms.extend([Form::DateDiff, Form::Len]);
        }
        if matches!(t, T::Bool) {
            forms.push(Form::TextTest);
        }
        if matches!(t, T::Str) {
            forms.push(Form::CaseMap);
        }
        if !matches!(t, T::Codes(_)) {
            forms.push(Form::Let);
        }
        let form = *self.u.choose(&forms)?;
        self.form(form, t, d, known, &refs)
    }

    fn form(&mut self, form: Form, t: &T, d: u32, known: bool, refs: &[String]) -> Result<String> {
        Ok(match form {
            Form::Leaf => self.leaf(t, known)?,
            Form::Ref => self.u.choose(refs)?.clone(),
            Form::Default => {
                let opts = self.refs(|rt| matches!(rt, T::Opt(inner) if **inner == *t));
                let left = self.u.choose(&opts)?.clone();
                format!("({left} ?? {})", self.expr(t, d, true)?)
            }
            Form::If => {
                let c = self.expr(&T::Bool, d, true)?;
                format!("(if {c} then {} else {})", self.expr(t, d, known)?, self.expr(t, d, known)?)
            }
            Form::Field => self.field_of(t, d)?,
            Form::Lookup => {
                let maps = self.refs(|rt| matches!(rt, T::Map(v) if **v == *t));
                let map = self.u.choose(&maps)?.clone();
                let key = self.expr(&T::Str, d, true)?;
                format!("({map}[{key}] ?? {})", self.expr(t, d, true)?)
            }
            Form::HasKey => {
                let maps = self.map_refs();
                let map = self.u.choose(&maps)?.clone();
                let op = if crate::chance(self.u, 1, 4)? { "not in" } else { "in" };
                format!("({} {op} {map})", self.expr(&T::Str, d, true)?)
            }
            Form::Match => self.match_expr(t, d, known)?,
            Form::Call => self.call(t, d)?,
            Form::Extreme => self.extreme(t, d)?,
            Form::Builtin => {
                let name = if self.u.arbitrary::<bool>()? { "max" } else { "min" };
                let n = self.u.int_in_range(2..=3)?;
                let mut args = Vec::new();
                for _ in 0..n {
                    args.push(self.expr(t, d, true)?);
                }
                format!("{name}({})", args.join(", "))
            }
            Form::Not => format!("(not {})", self.expr(&T::Bool, d, true)?),
            Form::Logic => {
                let op = if self.u.arbitrary::<bool>()? { "and" } else { "or" };
                format!("({} {op} {})", self.expr(&T::Bool, d, true)?, self.expr(&T::Bool, d, true)?)
            }
            Form::Compare => self.compare(d)?,
            Form::Member => self.member(d)?,
            Form::Arith => {
                let op = *self.u.choose(&["+", "-", "*", "/"])?;
                format!("({} {op} {})", self.expr(&T::Int, d, true)?, self.expr(&T::Int, d, true)?)
            }
            Form::Neg => format!("(-{})", self.expr(t, d, true)?),
            Form::DecArith => {
                // A decimal beside a decimal or an int, on either side: ints are promoted.
                let op = *self.u.choose(&["+", "-", "*", "/"])?;
                let other = if self.u.arbitrary::<bool>()? { T::Int } else { T::Dec };
                let a = self.expr(&T::Dec, d, true)?;
                let b = if other == T::Int { self.promotable(d)? } else { self.expr(&other, d, true)? };
                if self.u.arbitrary::<bool>()? {
                    format!("({a} {op} {b})")
                } else {
                    format!("({b} {op} {a})")
                }
            }
            Form::DecOf => format!("decimal({})", self.promotable(d)?),
            Form::Round => format!("round({}, {})", self.expr(&T::Dec, d, true)?, self.u.int_in_range(0..=6)?),
            Form::Count => {
                let (gens, vars) = self.quant_gens(d)?;
                let filter = self.quant_where(&vars, d)?;
                format!("(count {gens}{filter})")
            }
            Form::Sum => {
                let (gens, vars) = self.quant_gens(d)?;
                let filter = self.quant_where(&vars, d)?;
                let body = self.with_locals(vars, |g| g.expr(&T::Int, d, true))?;
                format!("(sum {gens}{filter}: {body})")
            }
            Form::Distinct => {
                let (gens, vars) = self.quant_gens(d)?;
                let filter = self.quant_where(&vars, d)?;
                let mut kinds = vec![T::Int, T::Str, T::Date, T::Bool];
                kinds.extend((0..self.enums.len()).map(T::Enum));
                let vt = self.u.choose(&kinds)?.clone();
                let body = self.with_locals(vars, |g| g.expr(&vt, d, true))?;
                format!("(count distinct {gens}{filter}: {body})")
            }
            Form::DatePart => {
                let part = *self.u.choose(&["year", "quarter", "month", "day"])?;
                format!("({}).{part}", self.expr(&T::Date, d, true)?)
            }
            Form::DateDiff => format!("({} - {})", self.expr(&T::Date, d, true)?, self.expr(&T::Date, d, true)?),
            Form::Shift => {
                let op = if self.u.arbitrary::<bool>()? { "+" } else { "-" };
                format!("({} {op} ({}) days)", self.expr(&T::Date, d, true)?, self.expr(&T::Int, d, true)?)
            }
            Form::GroupFlag => {
                let g = self.u.choose_index(self.vis.groups)?;
                let group = &self.groups[g];
                let mut flags = vec!["ok".to_string()];
                flags.extend(group.codes.iter().cloned());
                let flag = self.u.choose(&flags)?.clone();
                format!("{}.{flag}", self.groups[g].name)
            }
            Form::Quant => {
                let kind = if self.u.arbitrary::<bool>()? { "all" } else { "any" };
                let (gens, vars) = self.quant_gens(d)?;
                let filter = self.quant_where(&vars, d)?;
                // Without a body the elements themselves (bools) or the filter decide.
                let innermost_bool = vars.last().is_some_and(|(_, elem)| *elem == T::Bool);
                let bare = (innermost_bool && self.u.arbitrary::<bool>()?)
                    || (!filter.is_empty() && crate::chance(self.u, 1, 4)?);
                let body = if bare {
                    String::new()
                } else {
                    format!(": {}", self.with_locals(vars, |g| g.expr(&T::Bool, d, true))?)
                };
                format!("({kind} {gens}{filter}{body})")
            }
            Form::Present => {
                let opts = self.refs(|rt| matches!(rt, T::Opt(_)));
                format!("present({})", self.u.choose(&opts)?)
            }
            Form::Len => {
                let lists = self.list_refs();
                if !lists.is_empty() && self.u.arbitrary::<bool>()? {
                    format!("len({})", self.u.choose(&lists)?.0)
                } else {
                    format!("len({})", self.expr(&T::Str, d, true)?)
                }
            }
            Form::TextTest => {
                let name = *self.u.choose(&["starts_with", "ends_with", "contains", "eq_ignore_case"])?;
                format!("{name}({}, {})", self.expr(&T::Str, d, true)?, self.expr(&T::Str, d, true)?)
            }
            Form::CaseMap => {
                let name = if self.u.arbitrary::<bool>()? { "lower" } else { "upper" };
                format!("{name}({})", self.expr(&T::Str, d, true)?)
            }
            Form::Let => {
                // The value is checked without an expected type, so no bare `null` or `[]`,
                // and no list (whose literal would not say whether its elements are optional).
                let var = self.fresh_name("v");
                let vt = self.base_ty(0)?;
                let value = self.expr(&vt, d, false)?;
                self.locals.push((var.clone(), vt));
                let body = self.expr(t, d, known);
                self.locals.pop();
                format!("(let {var} = {value} in {})", body?)
            }
        })
    }

    /// A leaf: a literal, or `null`/`[]` where the context knows the type.
    fn leaf(&mut self, t: &T, known: bool) -> Result<String> {
        Ok(match t {
            T::Bool => if self.u.arbitrary::<bool>()? { "true" } else { "false" }.into(),
            T::Int => {
                let v = *self.u.choose(INTS)?;
                match self.u.int_in_range(0..=3)? {
                    0 => format!("(-{v})"),
                    1 if v >= 1000 => underscored(v),
                    _ => v.to_string(),
                }
            }
            T::Dec => {
                let v = *self.u.choose(DECIMALS)?;
                if self.u.arbitrary::<bool>()? {
                    format!("(-{v})")
                } else {
                    v.to_string()
                }
            }
            T::Date => format!("date(\"{}\")", self.u.choose(DATES)?),
            T::Str => format!("\"{}\"", self.u.choose(STRINGS)?),
            T::Enum(e) => {
                let e = *e;
                let k = self.u.choose_index(self.enums[e].variants.len())?;
                self.variant(e, k)
            }
            T::Rec(r) => self.record_literal(*r, 0)?,
            T::List(inner) => {
                if known && crate::chance(self.u, 1, 4)? {
                    "[]".into()
                } else {
                    format!("[{}]", self.leaf(inner, known)?)
                }
            }
            T::Opt(inner) => {
                if known && self.u.arbitrary::<bool>()? {
                    "null".into()
                } else {
                    self.leaf(inner, known)?
                }
            }
            T::Codes(g) => self.groups[*g].name.clone(),
            // Maps and entries are never asked for: only refs have these types.
            T::Map(_) | T::Entry(_) => "0".into(),
        })
    }

    /// Variant `k` of enum `e`, qualified when another enum has a variant of the same name.
    fn variant(&self, e: usize, k: usize) -> String {
        let name = &self.enums[e].variants[k];
        let shared = self.enums.iter().enumerate().any(|(i, other)| i != e && other.variants.contains(name));
        if shared {
            format!("{}.{name}", self.enums[e].name)
        } else {
            name.clone()
        }
    }

    fn record_literal(&mut self, r: usize, depth: u32) -> Result<String> {
        let fields = self.recs[r].fields.clone();
        let mut inits = Vec::new();
        for (name, t) in &fields {
            let value = if depth == 0 { self.leaf(t, true)? } else { self.expr(t, depth, true)? };
            inits.push(format!("{name}: {value}"));
        }
        Ok(format!("{} {{ {} }}", self.recs[r].name, inits.join(", ")))
    }

    /// Names and field paths in scope whose type satisfies `keep`: locals, input fields,
    /// constants, lets, and fields of those that are records (two levels down).
    fn refs(&self, keep: impl Fn(&T) -> bool) -> Vec<String> {
        let mut roots: Vec<(String, T)> = self.locals.clone();
        if self.vis.input {
            roots.extend(self.recs[self.input].fields.iter().cloned());
        }
        roots.extend(self.consts[..self.vis.consts].iter().cloned());
        roots.extend(self.lets[..self.vis.lets].iter().cloned());
        let mut found = Vec::new();
        let mut frontier = roots;
        for _ in 0..3 {
            let mut next = Vec::new();
            for (path, t) in frontier {
                if keep(&t) {
                    found.push(path.clone());
                }
                if let T::Rec(r) = t {
                    for (f, ft) in &self.recs[r].fields {
                        next.push((format!("{path}.{f}"), ft.clone()));
                    }
                } else if let T::Entry(v) = t {
                    next.push((format!("{path}.key"), T::Str));
                    next.push((format!("{path}.value"), *v));
                }
            }
            frontier = next;
        }
        found
    }

    /// `(record).field` for a record type that has a field of type `t`.
    fn field_of(&mut self, t: &T, d: u32) -> Result<String> {
        let owners: Vec<(usize, String)> = self.recs[..self.nested_records()]
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.fields.iter().filter(|(_, ft)| ft == t).map(move |(f, _)| (i, f.clone())))
            .collect();
        if owners.is_empty() {
            return self.leaf(t, false);
        }
        let (r, f) = self.u.choose(&owners)?.clone();
        Ok(format!("({}).{f}", self.expr(&T::Rec(r), d, true)?))
    }

    fn callable(&self, t: &T) -> bool {
        self.fns[..self.vis.fns].iter().any(|f| f.ret == *t)
    }

    fn call(&mut self, t: &T, d: u32) -> Result<String> {
        let candidates: Vec<usize> = (0..self.vis.fns).filter(|&i| self.fns[i].ret == *t).collect();
        let i = *self.u.choose(&candidates)?;
        let params = self.fns[i].params.clone();
        let mut args = Vec::new();
        for p in &params {
            args.push(self.expr(p, d, true)?);
        }
        Ok(format!("{}({})", self.fns[i].name, args.join(", ")))
    }

    fn match_expr(&mut self, t: &T, d: u32, known: bool) -> Result<String> {
        let e = self.u.choose_index(self.enums.len())?;
        let scrutinee = self.expr(&T::Enum(e), d, true)?;
        let n = self.enums[e].variants.len();
        let mut arms = Vec::new();
        let mut pending: Vec<String> = Vec::new();
        let mut k = 0;
        while k < n {
            if k > 0 && pending.is_empty() && crate::chance(self.u, 1, 6)? {
                arms.push(format!("_ => {}", self.expr(t, d, known)?));
                break;
            }
            pending.push(self.variant(e, k));
            k += 1;
            if k == n || self.u.arbitrary::<bool>()? {
                let body = self.expr(t, d, known)?;
                arms.push(format!("{} => {body}", pending.join(" | ")));
                pending.clear();
            }
        }
        Ok(format!("(match {scrutinee} {{ {} }})", arms.join(", ")))
    }

    /// `max`/`min` over a list, with the `else` value.
    fn extreme(&mut self, t: &T, d: u32) -> Result<String> {
        let kind = if self.u.arbitrary::<bool>()? { "max" } else { "min" };
        let (gens, vars) = self.quant_gens(d)?;
        let filter = self.quant_where(&vars, d)?;
        let body = self.with_locals(vars, |g| g.expr(t, d, true))?;
        let default = self.expr(t, d, true)?;
        Ok(format!("({kind} {gens}{filter}: {body} else {default})"))
    }

    /// The generators of a list operation: one, or with a chance of one in three a second
    /// over a list that may belong to the first's element (`x1 in xs, x2 in x1.ys`). Returns
    /// the source and the variables with their element types, outermost first.
    fn quant_gens(&mut self, d: u32) -> Result<(String, Vec<(String, T)>)> {
        let (var, list, elem) = self.quant_source(d)?;
        let mut source = format!("{var} in {list}");
        let mut vars = vec![(var, elem)];
        if crate::chance(self.u, 1, 3)? {
            let inner = self.with_locals(vars.clone(), |g| g.quant_source(d))?;
            let (var, list, elem) = inner;
            source = format!("{source}, {var} in {list}");
            vars.push((var, elem));
        }
        Ok((source, vars))
    }

    /// Runs `f` with `vars` in scope.
    fn with_locals<R>(&mut self, vars: Vec<(String, T)>, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        let before = self.locals.len();
        self.locals.extend(vars);
        let result = f(self);
        self.locals.truncate(before);
        result
    }

    /// A fresh variable and a list to range over: preferably a list in scope (the input's
    /// lists are where generated records vary), else a list literal.
    fn quant_source(&mut self, d: u32) -> Result<(String, String, T)> {
        let var = self.fresh_name("x");
        let lists = self.list_refs();
        if !lists.is_empty() && crate::chance(self.u, 3, 4)? {
            let (path, elem) = self.u.choose(&lists)?.clone();
            return Ok((var, path, elem));
        }
        let elem = self.base_ty(1)?;
        let list = self.expr(&T::list(elem.clone()), d, false)?;
        Ok((var, list, elem))
    }

    fn list_refs(&self) -> Vec<(String, T)> {
        let mut lists = Vec::new();
        for path in self.refs(|t| matches!(t, T::List(_) | T::Map(_))) {
            match self.type_of_path(&path) {
                Some(T::List(elem)) => lists.push((path, *elem)),
                Some(T::Map(value)) => lists.push((path, T::Entry(value))),
                _ => {}
            }
        }
        lists
    }

    /// The maps in scope, by path.
    fn map_refs(&self) -> Vec<String> {
        self.refs(|t| matches!(t, T::Map(_)))
    }

    /// The type of a path that [`Self::refs`] returned.
    fn type_of_path(&self, path: &str) -> Option<T> {
        let mut parts = path.split('.');
        let root = parts.next()?;
        let mut t = self
            .locals
            .iter()
            .rev()
            .chain(self.recs[self.input].fields.iter().filter(|_| self.vis.input))
            .chain(self.consts[..self.vis.consts].iter())
            .chain(self.lets[..self.vis.lets].iter())
            .find(|(n, _)| n == root)?
            .1
            .clone();
        for part in parts {
            t = match (t, part) {
                (T::Rec(r), _) => self.recs[r].fields.iter().find(|(n, _)| n == part)?.1.clone(),
                (T::Entry(_), "key") => T::Str,
                (T::Entry(v), "value") => *v,
                _ => return None,
            };
        }
        Some(t)
    }

    fn quant_where(&mut self, vars: &[(String, T)], d: u32) -> Result<String> {
        if !self.u.arbitrary::<bool>()? {
            return Ok(String::new());
        }
        let cond = self.with_locals(vars.to_vec(), |g| g.expr(&T::Bool, d, true))?;
        Ok(format!(" where {cond}"))
    }

    /// An int expression to promote to a decimal: not a bare literal beyond the decimal range,
    /// which the checker refuses (an int computed at run time may still be out of range).
    fn promotable(&mut self, d: u32) -> Result<String> {
        let e = self.expr(&T::Int, d, true)?;
        let digits: String = e.chars().filter(|c| c.is_ascii_digit()).collect();
        let bare = e.chars().all(|c| c.is_ascii_digit() || c == '_');
        Ok(if bare && digits.parse::<i64>().map_or(true, |v| v > 9_223_372_036_854) { "7".into() } else { e })
    }

    /// A comparison of two values of one type: equality on bools, ints, dates, strings and
    /// variants, order on ints, dates and variants.
    fn compare(&mut self, d: u32) -> Result<String> {
        let mut scalars = vec![T::Int, T::Bool, T::Date, T::Str, T::Dec];
        scalars.extend((0..self.enums.len()).map(T::Enum));
        let t = self.u.choose(&scalars)?.clone();
        let ops: &[&str] = if t.ordered() { &["==", "!=", "<", "<=", ">", ">="] } else { &["==", "!="] };
        let op = *self.u.choose(ops)?;
        // A decimal is compared with a decimal or an int.
        let other = if t == T::Dec && self.u.arbitrary::<bool>()? { T::Int } else { t.clone() };
        Ok(format!("({} {op} {})", self.expr(&t, d, false)?, self.expr(&other, d, false)?))
    }

    /// A type that `in` can look for in a list: any type without `?`.
    fn comparable_ty(&mut self) -> Result<T> {
        let t = self.base_ty(1)?;
        Ok(if contains_opt(&t) { T::Int } else { t })
    }

    /// `x in list`, `x not in list`, or `x in {constants}`, or a set constant.
    fn member(&mut self, d: u32) -> Result<String> {
        let op = if crate::chance(self.u, 1, 4)? { "not in" } else { "in" };
        if self.vis.sets > 0 && crate::chance(self.u, 1, 3)? {
            let (name, t) = self.sets[self.u.choose_index(self.vis.sets)?].clone();
            return Ok(format!("({} {op} {name})", self.expr(&t, d, false)?));
        }
        let t = self.comparable_ty()?;
        if t.settable() && self.u.arbitrary::<bool>()? {
            let set = self.set_literal(&t)?;
            return Ok(format!("({} {op} {set})", self.expr(&t, d, false)?));
        }
        // The list is checked against the element's type, so it may be `[]`.
        let list = self.expr(&T::list(t.clone()), d, true)?;
        Ok(format!("({} {op} {list})", self.expr(&t, d, false)?))
    }

    fn set_literal(&mut self, t: &T) -> Result<String> {
        let n = self.u.int_in_range(1..=3)?;
        let mut items = Vec::new();
        for _ in 0..n {
            // Set elements must be literals: no parentheses, no negation.
            let item = match t {
                T::Int => self.u.choose(INTS)?.to_string(),
                _ => self.leaf(t, true)?,
            };
            items.push(item);
        }
        Ok(format!("{{ {} }}", items.join(", ")))
    }
}

/// The expression forms the generator chooses from.
#[derive(Debug, Clone, Copy)]
enum Form {
    Leaf,
    Ref,
    Default,
    If,
    Field,
    Match,
    Call,
    Extreme,
    Builtin,
    Not,
    Logic,
    Compare,
    Member,
    Arith,
    Neg,
    Count,
    Sum,
    DatePart,
    DateDiff,
    Shift,
    GroupFlag,
    Quant,
    Present,
    /// `len(list)` or `len(string)`.
    Len,
    /// `starts_with`, `ends_with`, `contains`, `eq_ignore_case`.
    TextTest,
    /// `lower`, `upper`.
    CaseMap,
    /// `let v = value in body`.
    Let,
    /// `count distinct x in xs[, y in x.ys] [where f]: v`.
    Distinct,
    /// `(m[key] ?? default)`.
    Lookup,
    /// `+ - * /` with a decimal on one side and a decimal or an int on the other.
    DecArith,
    /// `decimal(int)`.
    DecOf,
    /// `round(decimal, 0..=6)`.
    Round,
    /// `key in m`, `key not in m`.
    HasKey,
}

fn contains_opt(t: &T) -> bool {
    match t {
        T::Opt(_) => true,
        T::List(inner) => contains_opt(inner),
        _ => false,
    }
}

fn contains_opt_or_list(t: &T) -> bool {
    matches!(t, T::Opt(_) | T::List(_))
}

/// `v` written with `_` between groups of three digits.
fn underscored(v: i64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds;
    use dexp_compiler::diagnostic::Severity;

    /// Most generated policies must pass the checker, or the compile and differential targets
    /// test little. Prints the first rejections, which point at the generator's mistakes.
    #[test]
    fn generated_policies_pass_the_checker() {
        let inputs = seeds::random_inputs(11, 300, 2048);
        let mut accepted = 0;
        let mut shown = 0;
        let mut with_maps = 0;
        for input in &inputs {
            let mut u = Unstructured::new(input);
            let source = policy(&mut u).unwrap();
            match dexp_compiler::frontend(&source) {
                Ok(_) => {
                    accepted += 1;
                    with_maps += usize::from(source.contains("map of string to") && source.contains("] ??"));
                }
                Err(diags) => {
                    let diags: Vec<_> = diags.into_iter().filter(|d| d.severity() == Severity::Error).collect();
                    if shown < 3 {
                        shown += 1;
                        eprintln!(
                            "{source}\n{}",
                            dexp_compiler::diagnostic::render_human(&diags, "generated.dexp", &source)
                        );
                    }
                }
            }
        }
        eprintln!("{accepted} of {} generated policies pass the checker", inputs.len());
        assert!(accepted * 100 >= inputs.len() * 95, "only {accepted} of {} generated policies pass", inputs.len());
        // Maps are generated, looked up and accepted, not just declared.
        assert!(with_maps * 20 >= inputs.len(), "only {with_maps} accepted policies look up maps");
    }

    #[test]
    fn the_same_bytes_give_the_same_policy_and_no_bytes_a_minimal_one() {
        let input = seeds::random_inputs(5, 1, 1024).remove(0);
        let a = policy(&mut Unstructured::new(&input)).unwrap();
        let b = policy(&mut Unstructured::new(&input)).unwrap();
        assert_eq!(a, b);
        let empty = policy(&mut Unstructured::new(&[])).unwrap();
        assert!(dexp_compiler::frontend(&empty).is_ok(), "{empty}");
    }

    #[test]
    fn underscores_group_thousands() {
        assert_eq!(underscored(1_000_000), "1_000_000");
        assert_eq!(underscored(100), "100");
        assert_eq!(underscored(9_223_372_036_854_775_807), "9_223_372_036_854_775_807");
    }
}
