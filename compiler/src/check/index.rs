//! What the checker resolved, kept for editors: the declaration each name refers to and the
//! type of each expression. The checker already resolves every name once; recording the result
//! here means an editor never resolves names a second way that could disagree with it.
//!
//! Recording is off for compilation ([`check`]) and on only through [`check_indexed`].

use super::*;

/// The checker's resolutions for one file, by span.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Index {
    /// `(use, declaration)`: each resolved name and the name in the declaration it refers to
    /// (a field, variant, code, type, definition, function, group, parameter or list-operation
    /// variable).
    pub uses: Vec<(Span, Span)>,
    /// `(expression, type)`: the type of each checked expression, as a policy writes it
    /// (`int`, `list of Server`, `date?`); `null` and `days` for the literal and the unit.
    pub types: Vec<(Span, String)>,
    /// `(expression, type)`: the type the context expected, where it knew one.
    pub expected: Vec<(Span, String)>,
    /// `(declaration, type)`: the type of each `let`, `const` and list-operation variable.
    pub declared: Vec<(Span, String)>,
}

/// Checks a parsed policy like [`check`], and also returns what the checker resolved.
pub fn check_indexed(policy: &ast::Policy, source: &str) -> (Checked, Index) {
    let mut cx = Cx::new(policy, source);
    cx.index = Some(Index::default());
    let (checked, index) = run(cx);
    (checked, index.unwrap_or_default())
}

impl Cx<'_> {
    /// Records that the name at `at` refers to the declaration at `declared`.
    pub(super) fn resolved(&mut self, at: Span, declared: Option<Span>) {
        if let (Some(index), Some(declared)) = (self.index.as_mut(), declared) {
            index.uses.push((at, declared));
        }
    }

    /// Records the type of a checked expression and the type its context wanted.
    pub(super) fn typed_at(&mut self, at: Span, t: &T, want: Option<&Ty>) {
        if self.index.is_none() {
            return;
        }
        let found = self.t_text(t);
        let want = want.map(|w| self.ty_name(w));
        if let Some(index) = self.index.as_mut() {
            if let Some(found) = found {
                index.types.push((at, found));
            }
            if let Some(want) = want {
                index.expected.push((at, want));
            }
        }
    }

    /// Records the type of a declared name.
    pub(super) fn declared_as(&mut self, at: Span, t: &T) {
        if self.index.is_none() {
            return;
        }
        if let Some(text) = self.t_text(t) {
            if let Some(index) = self.index.as_mut() {
                index.declared.push((at, text));
            }
        }
    }

    /// Records the types of the definitions, once their bodies are checked.
    pub(super) fn index_declarations(&mut self) {
        if self.index.is_none() {
            return;
        }
        let mut declared = Vec::new();
        for def in &self.defs {
            let text = match (&def.ty, &def.set) {
                (Some(ty), _) => self.ty_name(ty),
                (None, Some((elem, _))) => format!("set of {}", self.ty_name(elem)),
                (None, None) => continue,
            };
            declared.push((def.name.span, text));
        }
        if let Some(index) = self.index.as_mut() {
            index.declared.extend(declared);
        }
    }

    fn t_text(&self, t: &T) -> Option<String> {
        match t {
            T::V(ty) => Some(self.ty_name(ty)),
            T::Null => Some("null".into()),
            T::Days => Some("days".into()),
            T::Error => None,
        }
    }
}
