//! The untyped syntax tree of a `.dexp` file, as the parser builds it.
//!
//! Every node carries a [`Span`]. Names are not resolved here: the checker turns this tree
//! into the typed IR, and nothing downstream of the checker sees these types.

use crate::span::Span;

/// An identifier with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The identifier text.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A whole policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy's name (`policy NAME`).
    pub name: Name,
    /// The policy's version string, if declared.
    pub version: Option<(String, Span)>,
    /// Declarations in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `enum Name { a, b, c }`
    Enum {
        /// The enum's name.
        name: Name,
        /// Its variants, in order.
        variants: Vec<Name>,
    },
    /// `record Name { field: Type, ... }`
    Record {
        /// The record's name.
        name: Name,
        /// Its fields, in order.
        fields: Vec<(Name, TypeExpr)>,
    },
    /// `input Type key field`
    Input {
        /// The input record type.
        ty: Name,
        /// The field that names a record in error reports.
        key: Option<Name>,
    },
    /// `output Type { field: expr, ... }`
    Output {
        /// The output record type.
        ty: Name,
        /// The field values.
        fields: Vec<FieldInit>,
        /// The whole declaration.
        span: Span,
    },
    /// `const name: Type = expr` or `let name: Type = expr`
    Def {
        /// `const` (no input) or `let` (may read the input).
        is_const: bool,
        /// The definition's name.
        name: Name,
        /// The declared type, if any.
        ty: Option<TypeExpr>,
        /// The value.
        value: Expr,
    },
    /// `fn name(p: T, ...) -> T = expr`
    Fn {
        /// The function's name.
        name: Name,
        /// Parameters with their types.
        params: Vec<(Name, TypeExpr)>,
        /// The result type.
        ret: TypeExpr,
        /// The body.
        body: Expr,
    },
    /// `requirements name { ... }` or `advisories name { ... }`
    Group {
        /// Whether codes list failed requirements or advisories that apply.
        advisories: bool,
        /// The group's name.
        name: Name,
        /// Its rules, in order.
        rules: Vec<RuleDecl>,
    },
}

/// One requirement or advisory: `code "message": condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// The stable reason code.
    pub code: Name,
    /// The explanation shown to users.
    pub message: String,
    /// The condition: must hold (requirements) or applies when true (advisories).
    pub cond: Expr,
}

/// `field: expr` in a record literal or the output declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInit {
    /// The field's name.
    pub name: Name,
    /// Its value.
    pub value: Expr,
}

/// A written type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    /// A named type: a builtin (`int`, `bool`, `date`, `string`), enum or record.
    Named(Name),
    /// `list of T`
    List(Box<TypeExpr>, Span),
    /// `map of K to V` (the checker accepts only `string` keys)
    Map(Box<TypeExpr>, Box<TypeExpr>, Span),
    /// `codes(group)`
    Codes(Name, Span),
    /// `T?`
    Optional(Box<TypeExpr>, Span),
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(n) => n.span,
            TypeExpr::List(_, s) | TypeExpr::Map(_, _, s) | TypeExpr::Codes(_, s) | TypeExpr::Optional(_, s) => *s,
        }
    }
}

/// An expression with its span and nesting depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `??`
    Coalesce,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Coalesce => "??",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

/// The list operations `all`, `any`, `count`, `sum`, `max`, `min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    /// `all x in xs [where f] [: cond]`: true when every kept element satisfies `cond`.
    All,
    /// `any x in xs [where f] [: cond]`: true when some kept element satisfies `cond`.
    Any,
    /// `count x in xs [where f]`: the number of kept elements.
    Count,
    /// `sum x in xs [where f]: n`: the sum of `n` over kept elements.
    Sum,
    /// `max x in xs [where f]: v else d`: the greatest `v`, or `d` when none is kept.
    Max,
    /// `min x in xs [where f]: v else d`: the least `v`, or `d` when none is kept.
    Min,
    /// `count distinct x in xs [where f]: v`: the number of distinct `v` over kept elements.
    Distinct,
}

impl QuantKind {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            QuantKind::All => "all",
            QuantKind::Any => "any",
            QuantKind::Count => "count",
            QuantKind::Sum => "sum",
            QuantKind::Max => "max",
            QuantKind::Min => "min",
            QuantKind::Distinct => "count distinct",
        }
    }
}

/// A generator after the first of a list operation: `, var in list`.
#[derive(Debug, Clone, PartialEq)]
pub struct Generator {
    /// The element variable.
    pub var: Name,
    /// The list, which may read the variables of earlier generators.
    pub list: Expr,
}

/// A pattern in a `match` arm.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `_`
    Wildcard(Span),
    /// `variant` or `Enum.variant`
    Variant(Option<Name>, Name),
}

/// One arm of a `match`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// The patterns, any of which selects the arm.
    pub patterns: Vec<Pattern>,
    /// The arm's value.
    pub body: Expr,
    /// The whole arm.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer literal.
    Int(i64),
    /// A decimal literal (`19.99`) as written, without underscores: the checker reads it
    /// exactly and reports one with too many fractional digits or out of range.
    Decimal(String),
    /// A string literal (escapes resolved).
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`: an absent optional value.
    Null,
    /// A name: a local, input field, definition, group or enum variant.
    Name(Name),
    /// `e.field` (also date parts and `group.ok`).
    Field(Box<Expr>, Name),
    /// `m[key]`: a map's value for a key, an optional.
    Index(Box<Expr>, Box<Expr>),
    /// `not e`
    Not(Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// `e days`
    Days(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `f(args)`
    Call(Name, Vec<Expr>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `match e { arms }`
    Match(Box<Expr>, Vec<Arm>),
    /// `let name = value in body`: a local binding inside an expression.
    Let(Name, Box<Expr>, Box<Expr>),
    /// A list operation.
    Quant {
        /// Which operation.
        kind: QuantKind,
        /// For [`QuantKind::Distinct`], the keyword written before `distinct` (only `count`
        /// is valid; the checker reports the others); `None` otherwise.
        distinct: Option<QuantKind>,
        /// The element variable of the first generator.
        var: Name,
        /// The list of the first generator.
        list: Box<Expr>,
        /// The further generators, `, a in p.assignments`, outermost first: each list may
        /// read the variables before it, and the filter and value see all of them.
        nested: Vec<Generator>,
        /// `where` filter.
        filter: Option<Box<Expr>>,
        /// `: body`.
        body: Option<Box<Expr>>,
        /// `else` default for `max`/`min`.
        default: Option<Box<Expr>>,
    },
    /// `Type { field: e, ... }`
    Record(Name, Vec<FieldInit>),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{a, b}`
    Set(Vec<Expr>),
    /// `(e)`: kept so the formatter and spans see the parentheses.
    Paren(Box<Expr>),
}
