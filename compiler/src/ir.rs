//! The typed intermediate representation: what the checker produces and both back ends
//! (the reference interpreter in [`interp`] and the Wasm code generator) consume.
//!
//! A [`Program`] can only be built by [`crate::check`]: its constructor is private to the
//! crate and every `Program` has passed name resolution, type checking, exhaustiveness and
//! the recursion check. Every expression carries its type. Definitions are listed in an
//! evaluation order where each one comes after everything it reads.

pub mod dump;
pub mod explain;
pub mod interp;
pub mod suggest;

use crate::span::Span;
pub use dexp_runtime::schema::{GroupKind, Schema, Ty, Value};

/// A checked policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The policy name.
    pub name: String,
    /// The policy version, if declared.
    pub version: Option<String>,
    /// The types exchanged with the host.
    pub schema: Schema,
    /// Top-level `let` and `const` definitions, by [`DefId`].
    pub defs: Vec<Def>,
    /// Helper functions, by [`FnId`].
    pub fns: Vec<Function>,
    /// Reason-code groups, by [`GroupId`] (the same indices as `schema.groups`).
    pub groups: Vec<Group>,
    /// Definitions and groups in an order where each comes after what it reads.
    pub order: Vec<Node>,
    /// The output record.
    pub output: Body,
    /// Places where evaluation can fail (overflow, division by zero, dates out of range).
    pub sites: Vec<Site>,
    pub(crate) _checked: Checked,
}

/// Proof that a value was built by the checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked;

/// Index of a definition in [`Program::defs`].
pub type DefId = u32;
/// Index of a function in [`Program::fns`].
pub type FnId = u32;
/// Index of a group in [`Program::groups`].
pub type GroupId = u32;
/// Index of a failure site in [`Program::sites`].
pub type SiteId = u32;
/// Number of an `if` or `match`, the index of its [`Branch`] in the checker's table
/// ([`crate::check::Checked::branches`]).
pub type BranchId = u32;

/// A record-level value that is computed at most once per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// A definition.
    Def(DefId),
    /// A group's code bitset.
    Group(GroupId),
}

/// An expression together with the number of local slots it uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The expression.
    pub expr: Expr,
    /// Local slots: function parameters first, then list-operation variables.
    pub locals: u32,
}

/// A `let` or `const` definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Def {
    /// Its name.
    pub name: String,
    /// Whether it is a constant (folded at compile time; its body is a literal).
    pub is_const: bool,
    /// Its type.
    pub ty: Ty,
    /// Its value.
    pub body: Body,
    /// Where it is declared.
    pub span: Span,
}

/// A helper function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Parameter types; parameter `i` is local slot `i`.
    pub params: Vec<Ty>,
    /// The result type.
    pub ret: Ty,
    /// The body.
    pub body: Body,
    /// Where it is declared.
    pub span: Span,
}

/// A group of requirements or advisories.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Requirements (code listed when the condition fails) or advisories (when it holds).
    pub kind: GroupKind,
    /// The rules; rule `i` is bit `i`.
    pub rules: Vec<Rule>,
}

/// One requirement or advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The stable code.
    pub code: String,
    /// The explanation.
    pub message: String,
    /// The condition.
    pub cond: Body,
    /// The condition as written in the source, for explanations.
    pub source: String,
    /// Where it is declared.
    pub span: Span,
}

/// A place where evaluating a record can fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The failing expression.
    pub span: Span,
    /// What a report names as the error's path: the definition and the position, for
    /// example `billable_seats at 88:5`.
    pub path: String,
    /// The failing expression, for example `` `+` `` or `` `sum` ``.
    pub what: String,
}

/// Where an `if` or `match` is, and where its branches are: what a coverage report names.
///
/// Every `if` and `match` the checker lowers gets one, even when it later disappears (a
/// constant's body is folded to its value), so a table entry need not occur in the program.
/// The table is kept beside the [`Program`] rather than in it, so that the programs of two
/// layouts of one policy (say, before and after `dexpc fmt`) stay equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// The whole `if` or `match` expression.
    pub span: Span,
    /// The definition, function, rule (`group.code`) or `output` it is written in.
    pub owner: String,
    /// Where each branch starts: `then` and `else` of an `if`, or the arms of a `match` in
    /// order.
    pub arms: Vec<Span>,
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Ty,
}

/// Checked integer operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`, rounding toward zero; division by zero fails.
    Div,
}

/// Comparisons. Ordering applies to ints, dates and enums (declaration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Calendar accessors on dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// The year.
    Year,
    /// The quarter, 1-4.
    Quarter,
    /// The month, 1-12.
    Month,
    /// The day of the month, 1-31.
    Day,
}

/// The list operations. The IR's own enum: nothing after the checker sees the AST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    /// True when every kept element satisfies the body.
    All,
    /// True when some kept element satisfies the body.
    Any,
    /// The number of kept elements.
    Count,
    /// The checked sum of the body over kept elements.
    Sum,
    /// The greatest body value (the first of equals), or the default.
    Max,
    /// The least body value (the first of equals), or the default.
    Min,
    /// The number of distinct body values (ints, dates, enum variants, bools or strings) over
    /// kept elements; more than [`MAX_DISTINCT_VALUES`] kept elements fail the record.
    Distinct,
}

/// The most elements a `count distinct` keeps per evaluation: one more fails the record with
/// [`interp::Failure::TooManyValues`] (status `STATUS_LIMIT` in a module). It bounds the
/// scratch memory of one distinct count to 8 bytes per value, 8 MiB, plus the earlier copies
/// of its growing buffer (at most as much again).
pub const MAX_DISTINCT_VALUES: u32 = 1 << 20;

/// A list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Quant {
    /// Which operation.
    pub kind: QuantKind,
    /// The local slot that holds the current element of the first list.
    pub slot: u32,
    /// The first list, or a map, whose elements are then its entries in key order.
    pub list: Expr,
    /// The further generators, outermost first: for each element of the previous one, every
    /// element of this list (which may read the earlier slots). The filter and the body run
    /// for each element of the innermost list.
    pub nested: Vec<Generator>,
    /// Elements are kept when this holds (all kept when absent).
    pub filter: Option<Expr>,
    /// The per-element value (`all`/`any`: a bool, true when absent; `sum`: an int; `max`/`min`:
    /// an int, date or enum; `count`: absent).
    pub body: Option<Expr>,
    /// `max`/`min`: the value when no element is kept.
    pub default: Option<Expr>,
    /// `sum`: where an overflow is reported; `count distinct`: where too many values are.
    pub site: Option<SiteId>,
}

/// A generator of a list operation after the first: a slot and the list it runs over.
#[derive(Debug, Clone, PartialEq)]
pub struct Generator {
    /// The local slot that holds the current element.
    pub slot: u32,
    /// The list, evaluated once per element of the generator before it.
    pub list: Expr,
}

impl Quant {
    /// Every generator in order, outermost first: `(slot, list)`.
    pub fn generators(&self) -> impl Iterator<Item = (u32, &Expr)> {
        std::iter::once((self.slot, &self.list)).chain(self.nested.iter().map(|g| (g.slot, &g.list)))
    }
}

/// The kinds of typed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A constant.
    Const(Value),
    /// The input record.
    Input,
    /// A local slot (parameter or list-operation variable).
    Local(u32),
    /// A definition's value.
    Def(DefId),
    /// A call of a helper function.
    Call(FnId, Vec<Expr>),
    /// A group's code bitset.
    Codes(GroupId),
    /// True when a code bitset is empty (`group.ok`).
    CodesEmpty(Box<Expr>),
    /// True when bit `n` of a code bitset is set (`group.code`).
    HasCode(Box<Expr>, u32),
    /// A record field, by index; on a map entry ([`Ty::Entry`]), field 0 is the key and 1 the
    /// value.
    Field(Box<Expr>, u32),
    /// Boolean negation.
    Not(Box<Expr>),
    /// Short-circuit `and`.
    And(Box<Expr>, Box<Expr>),
    /// Short-circuit `or`.
    Or(Box<Expr>, Box<Expr>),
    /// Checked integer negation.
    Neg(Box<Expr>, SiteId),
    /// Checked integer arithmetic, or decimal arithmetic when the expression's type is
    /// `decimal` (both operands are then decimals; `*` and `/` round half away from zero).
    Arith(ArithOp, Box<Expr>, Box<Expr>, SiteId),
    /// An int converted to a decimal, checked to stay in the decimal range.
    ToDecimal(Box<Expr>, SiteId),
    /// `round(x, n)`: a decimal rounded to `n` (0 to 6) fractional digits, half away from
    /// zero, checked to stay in the range.
    Round(Box<Expr>, u32, SiteId),
    /// A comparison of two values of the same type, or of an int and a decimal (exact).
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// Membership in a set of constants.
    InSet(Box<Expr>, Vec<Value>),
    /// Membership in a list value.
    InList(Box<Expr>, Box<Expr>),
    /// `if c then a else b`, and where it is.
    If(Box<Expr>, Box<Expr>, Box<Expr>, BranchId),
    /// `match`: the scrutinee, the arm index for each variant, the arm bodies, and where it is.
    Match(Box<Expr>, Vec<u32>, Vec<Expr>, BranchId),
    /// A list operation.
    Quant(Box<Quant>),
    /// `max(..)` (true) or `min(..)` (false) of two or more ints, dates or enums.
    MinMax(bool, Vec<Expr>),
    /// `a ?? b`: `a` when present, else `b`.
    Coalesce(Box<Expr>, Box<Expr>),
    /// `present(a)`.
    IsPresent(Box<Expr>),
    /// A present value used where an optional is expected.
    Lift(Box<Expr>),
    /// A date moved by a number of days (negated when the flag is set), checked to stay in range.
    DateShift(Box<Expr>, Box<Expr>, bool, SiteId),
    /// The number of days from the second date to the first.
    DateDiff(Box<Expr>, Box<Expr>),
    /// A calendar accessor.
    DatePart(DatePart, Box<Expr>),
    /// A record built from its fields in declaration order.
    Record(Vec<Expr>),
    /// A list literal.
    List(Vec<Expr>),
    /// `let name = value in body`: the value goes to a local slot, then the body is the result.
    Let {
        /// The name, for explanations.
        name: String,
        /// The local slot that holds the value.
        slot: u32,
        /// The bound value.
        value: Box<Expr>,
        /// The result.
        body: Box<Expr>,
    },
    /// `len(list)`: the number of elements of a list, or of entries of a map.
    ListLen(Box<Expr>),
    /// `m[key]`: the value of the map's entry with that key, or absent (an optional).
    MapGet(Box<Expr>, Box<Expr>),
    /// `key in m`: whether the map has an entry with that key (the map first, then the key).
    HasKey(Box<Expr>, Box<Expr>),
    /// A text operation on strings (one or two arguments, see [`TextOp`]).
    Text(TextOp, Vec<Expr>),
}

/// The text operations. Strings are UTF-8; case mapping and folding are ASCII only (`A`-`Z`
/// and `a`-`z`), every other character is left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    /// `starts_with(s, prefix)`: a bool.
    StartsWith,
    /// `ends_with(s, suffix)`: a bool.
    EndsWith,
    /// `contains(s, part)`: a bool; every string contains `""`.
    Contains,
    /// `eq_ignore_case(a, b)`: equality after ASCII case folding, a bool.
    EqIgnoreCase,
    /// `lower(s)`: ASCII `A`-`Z` mapped to `a`-`z`, a string of the same byte length.
    Lower,
    /// `upper(s)`: ASCII `a`-`z` mapped to `A`-`Z`, a string of the same byte length.
    Upper,
    /// `len(s)`: the number of characters (Unicode scalar values), an int.
    Length,
}

impl TextOp {
    /// The built-in function's name.
    pub fn name(self) -> &'static str {
        match self {
            TextOp::StartsWith => "starts_with",
            TextOp::EndsWith => "ends_with",
            TextOp::Contains => "contains",
            TextOp::EqIgnoreCase => "eq_ignore_case",
            TextOp::Lower => "lower",
            TextOp::Upper => "upper",
            TextOp::Length => "len",
        }
    }
}

impl Expr {
    /// A constant expression.
    pub fn constant(value: Value, ty: Ty) -> Expr {
        Expr { kind: ExprKind::Const(value), ty }
    }
}
