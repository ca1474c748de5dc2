//! The pest parser and the conversion of its parse tree into the AST.
//!
//! This is the only module that sees pest's `Rule`. The file is split into top-level items at
//! lines that start with a declaration keyword, and each item is parsed on its own, so one
//! syntax error does not hide the errors in later items.

use super::ast::*;
use super::error::ParseError;
use super::{hints, limits};
use crate::span::Span;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/dexp.pest"]
struct DexpParser;

/// Words that begin a top-level declaration when they start a line.
const ITEM_KEYWORDS: &[&str] =
    &["policy", "enum", "record", "input", "output", "const", "let", "fn", "requirements", "advisories"];

/// Parses a whole file, collecting the errors of every item.
pub fn parse(source: &str) -> Result<Policy, Vec<ParseError>> {
    let (policy, errors) = parse_partial(source);
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(errors),
    }
}

/// Parses a file as far as it can: the declarations that parse, and the errors of those that
/// do not. The policy is `None` only when the file is over a limit and nothing was parsed;
/// a missing `policy NAME` gives an empty name. For editors, which keep answering about the
/// declarations that are whole while another is being typed.
pub fn parse_partial(source: &str) -> (Option<Policy>, Vec<ParseError>) {
    if let Err(e) = limits::check_size(source) {
        return (None, vec![e]);
    }
    if let Err(e) = limits::check_nesting(source) {
        return (None, vec![e]);
    }
    let builder = Builder { errors: std::cell::RefCell::new(Vec::new()), pratt: pratt() };
    let (policy, errors) = builder.run(source);
    (Some(policy), errors)
}

fn pratt() -> PrattParser<Rule> {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_not_in, Assoc::Left))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::infix(Rule::op_coalesce, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
        .op(Op::postfix(Rule::op_days) | Op::postfix(Rule::op_field) | Op::postfix(Rule::op_index))
}

/// The byte offsets at which top-level items start: lines that begin, unindented, with a
/// declaration keyword.
pub(crate) fn item_starts(source: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let word: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if ITEM_KEYWORDS.contains(&word.as_str()) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

struct Builder {
    errors: std::cell::RefCell<Vec<ParseError>>,
    pratt: PrattParser<Rule>,
}

type Built = Result<(Expr, u32), ()>;

impl Builder {
    fn run(self, source: &str) -> (Policy, Vec<ParseError>) {
        let starts = item_starts(source);
        let first = starts.first().copied().unwrap_or(source.len());
        let prelude = source.get(..first).unwrap_or("");
        if !only_comments(prelude) {
            self.errors.borrow_mut().push(ParseError::Syntax {
                span: first_token_span(prelude, 0),
                message: "expected `policy NAME` at the start of the file".into(),
            });
        }
        let mut policy_name: Option<(Name, Option<(String, Span)>)> = None;
        let mut items = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(source.len());
            let chunk = source.get(start..end).unwrap_or("");
            match DexpParser::parse(Rule::file_item, chunk) {
                Ok(mut pairs) => {
                    let Some(pair) = pairs.next().and_then(|p| p.into_inner().next()) else {
                        continue;
                    };
                    if pair.as_rule() == Rule::policy_decl {
                        let decl = self.policy_decl(pair, start);
                        if policy_name.is_some() || i > 0 {
                            self.errors.borrow_mut().push(ParseError::Syntax {
                                span: decl.0.span,
                                message: "`policy` must come first, once".into(),
                            });
                        } else {
                            policy_name = Some(decl);
                        }
                    } else if let Ok(item) = self.item(pair, start) {
                        items.push(item);
                    }
                }
                Err(e) => self.errors.borrow_mut().push(pest_error(&e, start, chunk)),
            }
        }
        if policy_name.is_none() && self.errors.borrow().is_empty() {
            self.errors.borrow_mut().push(ParseError::Syntax {
                span: Span::new(0, 0),
                message: "expected `policy NAME` at the start of the file".into(),
            });
        }
        let errors = self.errors.into_inner();
        let (name, version) = policy_name.unwrap_or_else(|| (missing_name(0), None));
        (Policy { name, version, items }, errors)
    }

    /// The pair's span, without the whitespace and comments pest skips after its last token.
    fn span(pair: &Pair<Rule>, offset: usize) -> Span {
        let s = pair.as_span();
        let len = code_len(pair.as_str());
        Span::new(s.start() + offset, s.start() + len + offset)
    }

    fn name(pair: Pair<Rule>, offset: usize) -> Name {
        Name { span: Self::span(&pair, offset), text: pair.as_str().to_string() }
    }

    fn policy_decl(&self, pair: Pair<Rule>, offset: usize) -> (Name, Option<(String, Span)>) {
        let mut inner = pair.into_inner();
        let name = inner.next().map(|p| Self::name(p, offset)).unwrap_or_else(|| missing_name(offset));
        let version = inner.next().and_then(|p| {
            let span = Self::span(&p, offset);
            self.string(p, offset).ok().map(|s| (s, span))
        });
        (name, version)
    }

    fn item(&self, pair: Pair<Rule>, offset: usize) -> Result<Item, ()> {
        let rule = pair.as_rule();
        let span = Self::span(&pair, offset);
        let mut inner = pair.into_inner();
        let next_name = |inner: &mut Pairs<Rule>| inner.next().map(|p| Self::name(p, offset)).ok_or(());
        match rule {
            Rule::enum_decl => {
                let name = next_name(&mut inner)?;
                let variants = inner.map(|p| Self::name(p, offset)).collect();
                Ok(Item::Enum { name, variants })
            }
            Rule::record_decl => {
                let name = next_name(&mut inner)?;
                let mut fields = Vec::new();
                for field in inner {
                    let mut f = field.into_inner();
                    let fname = next_name(&mut f)?;
                    let ty = self.type_expr(f.next().ok_or(())?, offset)?;
                    fields.push((fname, ty));
                }
                Ok(Item::Record { name, fields })
            }
            Rule::input_decl => {
                let ty = next_name(&mut inner)?;
                let key = inner.next().map(|p| Self::name(p, offset));
                Ok(Item::Input { ty, key })
            }
            Rule::output_decl => {
                let ty = next_name(&mut inner)?;
                let fields = self.field_inits(inner.next().ok_or(())?, offset)?;
                Ok(Item::Output { ty, fields, span })
            }
            Rule::const_decl | Rule::let_decl => {
                let name = next_name(&mut inner)?;
                let mut ty = None;
                let mut value = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::type_expr => ty = Some(self.type_expr(p, offset)?),
                        _ => value = Some(self.expr(p, offset)?.0),
                    }
                }
                Ok(Item::Def { is_const: rule == Rule::const_decl, name, ty, value: value.ok_or(())? })
            }
            Rule::fn_decl => {
                let name = next_name(&mut inner)?;
                let mut params = Vec::new();
                let mut ret = None;
                let mut body = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::param => {
                            let mut pi = p.into_inner();
                            let pname = next_name(&mut pi)?;
                            params.push((pname, self.type_expr(pi.next().ok_or(())?, offset)?));
                        }
                        Rule::type_expr => ret = Some(self.type_expr(p, offset)?),
                        _ => body = Some(self.expr(p, offset)?.0),
                    }
                }
                Ok(Item::Fn { name, params, ret: ret.ok_or(())?, body: body.ok_or(())? })
            }
            Rule::group_decl => {
                let advisories = inner.next().map(|k| k.as_str() == "advisories").ok_or(())?;
                let name = next_name(&mut inner)?;
                let mut rules = Vec::new();
                for r in inner {
                    let mut ri = r.into_inner();
                    let code = next_name(&mut ri)?;
                    let message = self.string(ri.next().ok_or(())?, offset)?;
                    let cond = self.expr(ri.next().ok_or(())?, offset)?.0;
                    rules.push(RuleDecl { code, message, cond });
                }
                Ok(Item::Group { advisories, name, rules })
            }
            _ => Err(()),
        }
    }

    fn type_expr(&self, pair: Pair<Rule>, offset: usize) -> Result<TypeExpr, ()> {
        let span = Self::span(&pair, offset);
        let mut inner = pair.into_inner();
        let base = inner.next().ok_or(())?;
        let base_span = Self::span(&base, offset);
        let ty = match base.as_rule() {
            Rule::list_type => {
                let elem = base.into_inner().next().ok_or(())?;
                TypeExpr::List(Box::new(self.type_expr(elem, offset)?), base_span)
            }
            Rule::map_type => {
                let mut parts = base.into_inner().filter(|p| p.as_rule() != Rule::map_to);
                let key = self.type_expr(parts.next().ok_or(())?, offset)?;
                let value = self.type_expr(parts.next().ok_or(())?, offset)?;
                TypeExpr::Map(Box::new(key), Box::new(value), base_span)
            }
            Rule::codes_type => {
                let group = base.into_inner().next().ok_or(())?;
                TypeExpr::Codes(Self::name(group, offset), base_span)
            }
            _ => TypeExpr::Named(Self::name(base, offset)),
        };
        Ok(match inner.next() {
            Some(_) => TypeExpr::Optional(Box::new(ty), span),
            None => ty,
        })
    }

    fn field_inits(&self, pair: Pair<Rule>, offset: usize) -> Result<Vec<FieldInit>, ()> {
        let mut out = Vec::new();
        for init in pair.into_inner() {
            let mut i = init.into_inner();
            let name = i.next().map(|p| Self::name(p, offset)).ok_or(())?;
            let value = self.expr(i.next().ok_or(())?, offset)?.0;
            out.push(FieldInit { name, value });
        }
        Ok(out)
    }

    fn string(&self, pair: Pair<Rule>, offset: usize) -> Result<String, ()> {
        let span = Self::span(&pair, offset);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                other => {
                    self.errors
                        .borrow_mut()
                        .push(ParseError::BadEscape { span, escape: other.map(String::from).unwrap_or_default() });
                    return Err(());
                }
            }
        }
        Ok(out)
    }

    fn expr(&self, pair: Pair<Rule>, offset: usize) -> Built {
        crate::stack::guard(|| self.expr_inner(pair, offset))
    }

    fn expr_inner(&self, pair: Pair<Rule>, offset: usize) -> Built {
        let pairs = pair.into_inner();
        self.pratt
            .map_primary(|p| self.operand(p, offset))
            .map_prefix(|op, rhs| {
                let (rhs, depth) = rhs?;
                let span = Self::span(&op, offset).to(rhs.span);
                let kind = match op.as_rule() {
                    Rule::op_not => ExprKind::Not(Box::new(rhs)),
                    _ => ExprKind::Neg(Box::new(rhs)),
                };
                self.node(kind, span, depth)
            })
            .map_postfix(|lhs, op| {
                let (lhs, mut depth) = lhs?;
                let span = lhs.span.to(Self::span(&op, offset));
                let kind = match op.as_rule() {
                    Rule::op_days => ExprKind::Days(Box::new(lhs)),
                    Rule::op_index => {
                        let (key, d) = self.expr(op.into_inner().next().ok_or(())?, offset)?;
                        depth = depth.max(d);
                        ExprKind::Index(Box::new(lhs), Box::new(key))
                    }
                    _ => {
                        let name = op.into_inner().next().map(|p| Self::name(p, offset)).ok_or(())?;
                        ExprKind::Field(Box::new(lhs), name)
                    }
                };
                self.node(kind, span, depth)
            })
            .map_infix(|lhs, op, rhs| {
                let ((lhs, dl), (rhs, dr)) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                let bin = binop(op.as_rule()).ok_or(())?;
                if dl.max(dr) as usize >= limits::MAX_EXPR_DEPTH {
                    // Point at the operator that crosses the limit, not at the whole chain.
                    return self.node(ExprKind::Null, Self::span(&op, offset), dl.max(dr));
                }
                self.node(ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)), span, dl.max(dr))
            })
            .parse(pairs)
    }

    /// Wraps a node, enforcing the nesting limit on the tree as it grows bottom-up.
    fn node(&self, kind: ExprKind, span: Span, child_depth: u32) -> Built {
        let depth = child_depth + 1;
        if depth as usize > limits::MAX_EXPR_DEPTH {
            // Report once per expression: the first node to cross the limit.
            if depth as usize == limits::MAX_EXPR_DEPTH + 1 {
                self.errors.borrow_mut().push(ParseError::TooDeep {
                    span,
                    limit: limits::MAX_EXPR_DEPTH,
                    detail: "expression".into(),
                });
            }
            return Err(());
        }
        Ok((Expr { kind, span }, depth))
    }

    fn exprs(&self, pairs: Pairs<Rule>, offset: usize) -> Result<(Vec<Expr>, u32), ()> {
        let mut out = Vec::new();
        let mut depth = 0;
        for p in pairs {
            let (e, d) = self.expr(p, offset)?;
            depth = depth.max(d);
            out.push(e);
        }
        Ok((out, depth))
    }

    fn operand(&self, pair: Pair<Rule>, offset: usize) -> Built {
        let span = Self::span(&pair, offset);
        match pair.as_rule() {
            Rule::int => {
                let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
                match text.parse::<i64>() {
                    Ok(v) => self.node(ExprKind::Int(v), span, 0),
                    Err(_) => {
                        self.errors.borrow_mut().push(ParseError::IntTooLarge { span });
                        Err(())
                    }
                }
            }
            Rule::decimal => {
                let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
                self.node(ExprKind::Decimal(text), span, 0)
            }
            Rule::string => {
                let s = self.string(pair, offset)?;
                self.node(ExprKind::Str(s), span, 0)
            }
            Rule::boolean => self.node(ExprKind::Bool(pair.as_str() == "true"), span, 0),
            Rule::null => self.node(ExprKind::Null, span, 0),
            Rule::ident => self.node(ExprKind::Name(Self::name(pair, offset)), span, 0),
            Rule::paren => {
                let (inner, d) = self.expr(pair.into_inner().next().ok_or(())?, offset)?;
                self.node(ExprKind::Paren(Box::new(inner)), span, d)
            }
            Rule::list_lit => {
                let (items, d) = self.exprs(pair.into_inner(), offset)?;
                self.node(ExprKind::List(items), span, d)
            }
            Rule::set_lit => {
                let (items, d) = self.exprs(pair.into_inner(), offset)?;
                self.node(ExprKind::Set(items), span, d)
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = inner.next().map(|p| Self::name(p, offset)).ok_or(())?;
                let (args, d) = self.exprs(inner, offset)?;
                self.node(ExprKind::Call(name, args), span, d)
            }
            Rule::record_lit => {
                let mut inner = pair.into_inner();
                let name = inner.next().map(|p| Self::name(p, offset)).ok_or(())?;
                let inits = inner.next().ok_or(())?;
                let mut fields = Vec::new();
                let mut depth = 0;
                for init in inits.into_inner() {
                    let mut i = init.into_inner();
                    let fname = i.next().map(|p| Self::name(p, offset)).ok_or(())?;
                    let (value, d) = self.expr(i.next().ok_or(())?, offset)?;
                    depth = depth.max(d);
                    fields.push(FieldInit { name: fname, value });
                }
                self.node(ExprKind::Record(name, fields), span, depth)
            }
            Rule::if_expr => {
                let (mut parts, d) = self.exprs(pair.into_inner(), offset)?;
                let (Some(e), Some(t), Some(c)) = (parts.pop(), parts.pop(), parts.pop()) else {
                    return Err(());
                };
                self.node(ExprKind::If(Box::new(c), Box::new(t), Box::new(e)), span, d)
            }
            Rule::match_expr => self.match_expr(pair, span, offset),
            Rule::let_expr => {
                let mut inner = pair.into_inner().filter(|p| p.as_rule() != Rule::op_in);
                let name = inner.next().map(|p| Self::name(p, offset)).ok_or(())?;
                let (value, dv) = self.expr(inner.next().ok_or(())?, offset)?;
                let (body, db) = self.expr(inner.next().ok_or(())?, offset)?;
                self.node(ExprKind::Let(name, Box::new(value), Box::new(body)), span, dv.max(db))
            }
            Rule::quant_expr => self.quant_expr(pair, span, offset),
            _ => Err(()),
        }
    }

    fn match_expr(&self, pair: Pair<Rule>, span: Span, offset: usize) -> Built {
        let mut inner = pair.into_inner();
        let (scrutinee, mut depth) = self.expr(inner.next().ok_or(())?, offset)?;
        let mut arms = Vec::new();
        for arm in inner {
            let arm_span = Self::span(&arm, offset);
            let mut patterns = Vec::new();
            let mut body = None;
            for p in arm.into_inner() {
                match p.as_rule() {
                    Rule::pattern => {
                        let pspan = Self::span(&p, offset);
                        let mut names: Vec<Pair<Rule>> = p.into_inner().collect();
                        let pattern = match (names.pop(), names.pop()) {
                            (Some(w), _) if w.as_rule() == Rule::wildcard => Pattern::Wildcard(pspan),
                            (Some(variant), Some(enum_name)) => {
                                Pattern::Variant(Some(Self::name(enum_name, offset)), Self::name(variant, offset))
                            }
                            (Some(variant), None) => Pattern::Variant(None, Self::name(variant, offset)),
                            _ => return Err(()),
                        };
                        patterns.push(pattern);
                    }
                    _ => {
                        let (b, d) = self.expr(p, offset)?;
                        depth = depth.max(d);
                        body = Some(b);
                    }
                }
            }
            arms.push(Arm { patterns, body: body.ok_or(())?, span: arm_span });
        }
        self.node(ExprKind::Match(Box::new(scrutinee), arms), span, depth)
    }

    fn quant_expr(&self, pair: Pair<Rule>, span: Span, offset: usize) -> Built {
        let mut inner = pair.into_inner();
        let mut head = inner.next().ok_or(())?.into_inner();
        let mut kind = match head.next().map(|k| k.as_str().to_string()).as_deref() {
            Some("all") => QuantKind::All,
            Some("any") => QuantKind::Any,
            Some("count") => QuantKind::Count,
            Some("sum") => QuantKind::Sum,
            Some("max") => QuantKind::Max,
            _ => QuantKind::Min,
        };
        let mut distinct = None;
        let mut var_pair = head.next().ok_or(())?;
        if var_pair.as_rule() == Rule::quant_distinct {
            distinct = Some(kind);
            kind = QuantKind::Distinct;
            var_pair = head.next().ok_or(())?;
        }
        let var = Self::name(var_pair, offset);
        let (list, mut depth) = self.expr(inner.next().ok_or(())?, offset)?;
        let (mut filter, mut body, mut default) = (None, None, None);
        let mut nested = Vec::new();
        for part in inner {
            let rule = part.as_rule();
            if rule == Rule::quant_gen {
                let mut parts = part.into_inner();
                let var = parts.next().and_then(|v| v.into_inner().next()).map(|p| Self::name(p, offset)).ok_or(())?;
                let (list, d) = self.expr(parts.next().ok_or(())?, offset)?;
                depth = depth.max(d);
                nested.push(Generator { var, list });
                continue;
            }
            let (e, d) = self.expr(part.into_inner().next().ok_or(())?, offset)?;
            depth = depth.max(d);
            let slot = match rule {
                Rule::quant_where => &mut filter,
                Rule::quant_body => &mut body,
                _ => &mut default,
            };
            *slot = Some(Box::new(e));
        }
        let quant = ExprKind::Quant { kind, distinct, var, list: Box::new(list), nested, filter, body, default };
        self.node(quant, span, depth)
    }
}

fn binop(rule: Rule) -> Option<BinOp> {
    Some(match rule {
        Rule::op_or => BinOp::Or,
        Rule::op_and => BinOp::And,
        Rule::op_eq => BinOp::Eq,
        Rule::op_ne => BinOp::Ne,
        Rule::op_lt => BinOp::Lt,
        Rule::op_le => BinOp::Le,
        Rule::op_gt => BinOp::Gt,
        Rule::op_ge => BinOp::Ge,
        Rule::op_in => BinOp::In,
        Rule::op_not_in => BinOp::NotIn,
        Rule::op_coalesce => BinOp::Coalesce,
        Rule::op_add => BinOp::Add,
        Rule::op_sub => BinOp::Sub,
        Rule::op_mul => BinOp::Mul,
        Rule::op_div => BinOp::Div,
        _ => return None,
    })
}

/// The length of `text` without trailing whitespace and trailing `//` comments.
pub(crate) fn code_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let code = text.get(..end).unwrap_or("");
        let line_start = code.rfind('\n').map(|i| i + 1).unwrap_or(0);
        match comment_start(code.get(line_start..).unwrap_or("")) {
            Some(at) => end = code.get(..line_start + at).map(|c| c.trim_end().len()).unwrap_or(0),
            None => return end,
        }
    }
}

/// Where a `//` comment starts in one line, ignoring `//` inside string literals.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
    }
    None
}

fn missing_name(offset: usize) -> Name {
    Name { text: String::new(), span: Span::new(offset, offset) }
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("//")
    })
}

fn first_token_span(text: &str, offset: usize) -> Span {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if !t.is_empty() && !t.starts_with("//") {
            let start = pos + (line.len() - t.len());
            let len = t.split_whitespace().next().map(str::len).unwrap_or(1);
            return Span::new(offset + start, offset + start + len);
        }
        pos += line.len();
    }
    Span::new(offset, offset)
}

/// Turns pest's error into a diagnostic that names what was expected and what was found.
fn pest_error(e: &pest::error::Error<Rule>, offset: usize, chunk: &str) -> ParseError {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let rest = chunk.get(pos..).unwrap_or("");
    let token_len = if rest.is_empty() {
        0
    } else {
        rest.char_indices()
            .find(|(i, c)| c.is_whitespace() || (*i > 0 && !c.is_alphanumeric() && *c != '_'))
            .map(|(i, _)| i.max(1))
            .unwrap_or(rest.len())
    };
    let found = match rest.get(..token_len) {
        Some(t) if !t.trim().is_empty() => format!("found `{t}`"),
        _ => "found the end of the declaration".to_string(),
    };
    // At the end of a declaration, point just after its last token rather than at the next line.
    let span = if token_len == 0 || rest.trim().is_empty() {
        let end = chunk.get(..pos).map(|b| b.trim_end().len()).unwrap_or(pos);
        Span::new(offset + end, offset + end)
    } else {
        Span::new(offset + pos, offset + pos + token_len)
    };
    let message = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let expected = hints::Expected {
                name: positives.contains(&Rule::ident),
                operand: positives.iter().any(|r| *r == Rule::expr || is_operand(*r)),
                operator: positives.iter().any(|r| binop(*r).is_some()),
            };
            if let Some(specific) = hints::refine(chunk, pos, offset, &expected) {
                return specific;
            }
            let mut wanted: Vec<&str> = positives.iter().map(|r| describe_rule(*r)).collect();
            // Anything that can start an operand is summed up as "an expression".
            if positives.iter().any(|r| *r == Rule::expr || is_operand(*r)) {
                wanted
                    .retain(|w| !matches!(*w, "an expression" | "something else" | "a name" | "a number" | "a string"));
                wanted.push("an expression");
            }
            wanted.sort_unstable();
            wanted.dedup();
            let list = match wanted.split_last() {
                None => "something else".to_string(),
                Some((last, [])) => (*last).to_string(),
                Some((last, init)) => format!("{} or {last}", init.join(", ")),
            };
            format!("expected {list}, {found}")
        }
        pest::error::ErrorVariant::CustomError { message } => {
            // pest's stack guard: the nesting check should have caught it first.
            return ParseError::TooDeep { span, limit: limits::MAX_NESTING, detail: message.clone() };
        }
    };
    ParseError::Syntax { span, message }
}

fn is_operand(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::if_expr
            | Rule::let_expr
            | Rule::match_expr
            | Rule::quant_expr
            | Rule::quant_head
            | Rule::call
            | Rule::record_lit
            | Rule::paren
            | Rule::list_lit
            | Rule::set_lit
            | Rule::boolean
            | Rule::null
            | Rule::int
            | Rule::decimal
            | Rule::op_not
            | Rule::op_neg
    )
}

/// Friendly names for rules in "expected ..." messages.
pub(super) fn describe_rule(rule: Rule) -> &'static str {
    match rule {
        Rule::ident => "a name",
        Rule::expr | Rule::let_value => "an expression",
        Rule::int | Rule::decimal => "a number",
        Rule::string => "a string",
        Rule::type_expr => "a type",
        Rule::field_decl => "a field",
        Rule::field_init => "`field: value`",
        Rule::rule_decl => "a requirement `code \"message\": condition`",
        Rule::arm => "a match arm",
        Rule::pattern => "a pattern",
        Rule::param => "a parameter",
        Rule::op_or | Rule::op_and => "`and`/`or`",
        Rule::op_eq | Rule::op_ne | Rule::op_lt | Rule::op_le | Rule::op_gt | Rule::op_ge => "a comparison",
        Rule::op_in | Rule::op_not_in => "`in`",
        Rule::op_add | Rule::op_sub | Rule::op_mul | Rule::op_div => "an arithmetic operator",
        Rule::op_coalesce => "`??`",
        Rule::op_days => "`days`",
        Rule::op_field => "`.field`",
        Rule::op_index => "`[key]`",
        Rule::map_to => "`to`",
        Rule::quant_where => "`where`",
        Rule::quant_body => "`:`",
        Rule::quant_else => "`else`",
        Rule::quant_gen | Rule::quant_var => "`, name in list`",
        Rule::group_kind => "`requirements` or `advisories`",
        Rule::EOI => "the end of the declaration",
        Rule::enum_decl
        | Rule::record_decl
        | Rule::input_decl
        | Rule::output_decl
        | Rule::const_decl
        | Rule::let_decl
        | Rule::fn_decl
        | Rule::group_decl
        | Rule::policy_decl => "a declaration",
        _ => "something else",
    }
}
