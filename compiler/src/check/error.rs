//! Check errors and warnings: every diagnostic the checker reports, with its stable code.

use crate::span::Span;
use miette::Diagnostic;
use thiserror::Error;

/// A problem the checker found in a parsed policy. Variants marked as warnings do not stop
/// compilation.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum CheckError {
    /// A name that nothing declares.
    #[error("unknown name `{name}`")]
    #[diagnostic(code(dexp::check::unknown_name))]
    UnknownName {
        /// The name.
        name: String,
        /// Where it is used.
        #[label("not declared")]
        span: Span,
        /// "did you mean ..." when a similar name exists.
        #[help]
        help: Option<String>,
    },
    /// A type name that nothing declares.
    #[error("unknown type `{name}`")]
    #[diagnostic(code(dexp::check::unknown_type))]
    UnknownType {
        /// The name.
        name: String,
        /// Where it is used.
        #[label("not a type")]
        span: Span,
        /// Suggestion.
        #[help]
        help: Option<String>,
    },
    /// A field that the record does not have.
    #[error("`{record}` has no field `{field}`")]
    #[diagnostic(code(dexp::check::unknown_field))]
    UnknownField {
        /// The record type.
        record: String,
        /// The field.
        field: String,
        /// Where it is used.
        #[label("unknown field")]
        span: Span,
        /// Suggestion.
        #[help]
        help: Option<String>,
    },
    /// A variant that the enum does not have.
    #[error("`{enum_name}` has no variant `{variant}`")]
    #[diagnostic(code(dexp::check::unknown_variant))]
    UnknownVariant {
        /// The enum.
        enum_name: String,
        /// The variant.
        variant: String,
        /// Where it is used.
        #[label("unknown variant")]
        span: Span,
        /// Suggestion.
        #[help]
        help: Option<String>,
    },
    /// A variant name that several enums declare, used where the type does not say which.
    #[error("`{variant}` is a variant of several enums: {enums}")]
    #[diagnostic(code(dexp::check::ambiguous_variant))]
    AmbiguousVariant {
        /// The variant.
        variant: String,
        /// The enums that declare it.
        enums: String,
        /// Where it is used.
        #[label("which one?")]
        span: Span,
        /// How to say which.
        #[help]
        help: String,
    },
    /// A value of the wrong type.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(dexp::check::type_mismatch))]
    TypeMismatch {
        /// The type the context needs.
        expected: String,
        /// The type of the expression.
        found: String,
        /// The expression.
        #[label("this is {found}")]
        span: Span,
        /// How to fix it, when known.
        #[help]
        help: Option<String>,
    },
    /// A decimal literal (or an int literal used as a decimal) that is not exactly a decimal:
    /// more than 6 fractional digits, or outside the range.
    #[error("{message}")]
    #[diagnostic(code(dexp::check::decimal_literal))]
    DecimalLiteral {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("not a decimal")]
        span: Span,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// An operator or list operation used in a way the language does not define.
    #[error("{message}")]
    #[diagnostic(code(dexp::check::invalid_operation))]
    InvalidOperation {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("here")]
        span: Span,
        /// How to fix it, when known.
        #[help]
        help: Option<String>,
    },
    /// A call with the wrong number of arguments.
    #[error("`{name}` takes {expected} argument(s), found {found}")]
    #[diagnostic(code(dexp::check::wrong_arguments))]
    WrongArguments {
        /// The function.
        name: String,
        /// The number it takes.
        expected: String,
        /// The number given.
        found: usize,
        /// The call.
        #[label("this call")]
        span: Span,
    },
    /// The same name declared twice in one namespace.
    #[error("`{name}` is declared twice")]
    #[diagnostic(code(dexp::check::duplicate), help("rename or remove one of them"))]
    Duplicate {
        /// The name.
        name: String,
        /// The second declaration.
        #[label("declared again here")]
        span: Span,
        /// The first declaration.
        #[label("first declared here")]
        first: Span,
    },
    /// A `match` that does not cover every variant.
    #[error("`match` does not cover {missing}")]
    #[diagnostic(code(dexp::check::non_exhaustive), help("add arms for the missing variants, or a `_ =>` arm"))]
    NonExhaustive {
        /// The missing variants.
        missing: String,
        /// The match.
        #[label("not exhaustive")]
        span: Span,
    },
    /// A record literal without all of its fields.
    #[error("`{record}` is missing field(s) {missing}")]
    #[diagnostic(code(dexp::check::missing_field), help("every field of a record must be given a value"))]
    MissingField {
        /// The record type.
        record: String,
        /// The missing fields.
        missing: String,
        /// The literal.
        #[label("incomplete")]
        span: Span,
    },
    /// Definitions that depend on themselves.
    #[error("`{name}` depends on itself: {cycle}")]
    #[diagnostic(
        code(dexp::check::recursion),
        help("dexp has no recursion, so that every policy terminates; compute the value without the cycle")
    )]
    Recursion {
        /// The first definition of the cycle.
        name: String,
        /// The cycle, as `a -> b -> a`.
        cycle: String,
        /// Its declaration.
        #[label("part of a cycle")]
        span: Span,
    },
    /// A required declaration is missing or repeated (`policy`, `input`, `output`).
    #[error("{message}")]
    #[diagnostic(code(dexp::check::declaration))]
    Declaration {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("here")]
        span: Span,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A constant that reads the input or anything computed from it.
    #[error("constant `{name}` cannot read `{used}`")]
    #[diagnostic(
        code(dexp::check::const_not_constant),
        help("constants are fixed when the policy is compiled; use `let` for values computed from the input")
    )]
    NotConstant {
        /// The constant.
        name: String,
        /// What it reads.
        used: String,
        /// Where.
        #[label("not a constant")]
        span: Span,
    },
    /// A constant whose evaluation fails at compile time.
    #[error("constant `{name}` cannot be computed: {what}")]
    #[diagnostic(code(dexp::check::const_failed))]
    ConstFailed {
        /// The constant.
        name: String,
        /// Why.
        what: String,
        /// Where.
        #[label("fails here")]
        span: Span,
    },
    /// A program larger than a limit of the ABI (for example more than 64 codes in a group).
    #[error("{message}")]
    #[diagnostic(code(dexp::check::limit))]
    Limit {
        /// What limit.
        message: String,
        /// Where.
        #[label("here")]
        span: Span,
    },
    /// Warning: a definition that nothing uses.
    #[error("`{name}` is never used")]
    #[diagnostic(code(dexp::check::unused), severity(Warning), help("remove it, or use it in the output"))]
    Unused {
        /// The definition.
        name: String,
        /// Its declaration.
        #[label("unused")]
        span: Span,
    },
    /// Warning: a `let ... in` binding that its body never reads.
    #[error("the binding `{name}` is never used")]
    #[diagnostic(
        code(dexp::check::unused),
        severity(Warning),
        help("remove the `let ... in`, or use the name in its body")
    )]
    UnusedBinding {
        /// The bound name.
        name: String,
        /// Where it is bound.
        #[label("unused")]
        span: Span,
    },
    /// Warning: a requirement or advisory whose outcome follows from constants and types.
    #[error("{what}, whatever the record")]
    #[diagnostic(
        code(dexp::check::constant_rule),
        severity(Warning),
        help("the condition's value follows from constants and types alone; check it reads the fields you meant")
    )]
    ConstantRule {
        /// The rule and its fixed outcome.
        what: String,
        /// The condition.
        #[label("always the same")]
        span: Span,
    },
    /// Warning: an `if` or `match` whose branches all give the same value.
    #[error("every branch gives the same value")]
    #[diagnostic(
        code(dexp::check::same_in_every_branch),
        severity(Warning),
        help("the choice makes no difference: use the value directly, or fix the branch that should differ")
    )]
    SameInEveryBranch {
        /// The branches.
        #[label("identical branches")]
        span: Span,
    },
    /// Warning: a match arm that can never be chosen.
    #[error("this arm can never be chosen")]
    #[diagnostic(code(dexp::check::unreachable_arm), severity(Warning), help("{reason}"))]
    UnreachableArm {
        /// Why.
        reason: String,
        /// The arm.
        #[label("unreachable")]
        span: Span,
    },
    /// A map type whose key or value type is not allowed.
    #[error("{message}")]
    #[diagnostic(code(dexp::check::map_type))]
    MapType {
        /// What is wrong.
        message: String,
        /// The key or value type.
        #[label("not allowed here")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
    /// `x[key]` on a value that is not a map.
    #[error("{found} has no keys to look up")]
    #[diagnostic(code(dexp::check::not_a_map))]
    NotAMap {
        /// The type of the value, as written.
        found: String,
        /// The indexed value.
        #[label("not a map")]
        span: Span,
        /// What to write instead.
        #[help]
        help: String,
    },
}

impl CheckError {
    /// Whether this diagnostic is only a warning.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            CheckError::Unused { .. }
                | CheckError::UnusedBinding { .. }
                | CheckError::UnreachableArm { .. }
                | CheckError::ConstantRule { .. }
                | CheckError::SameInEveryBranch { .. }
        )
    }
}

/// A "did you mean" help for `name` among `candidates`, when one is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.get(b.len()).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("licenced", ["licensed", "mode"]), Some("did you mean `licensed`?".into()));
        assert_eq!(did_you_mean("xyz", ["licensed", "mode"]), None);
    }
}
