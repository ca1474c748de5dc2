//! The first pass: collect every declaration, resolve written types, and report duplicate
//! names and missing or repeated `input`/`output` declarations.

use super::*;

/// The built-in type names.
const BUILTIN_TYPES: &[(&str, Ty)] =
    &[("bool", Ty::Bool), ("int", Ty::Int), ("decimal", Ty::Decimal), ("date", Ty::Date), ("string", Ty::String)];

impl<'a> Cx<'a> {
    pub(super) fn collect(&mut self) {
        let policy = self.policy;
        // Types first, so that fields and signatures can name types declared later.
        for item in &policy.items {
            match item {
                ast::Item::Enum { name, variants } => {
                    let id = self.enums.len() as u32;
                    if self.declare_type(name, Ty::Enum(id)) {
                        let mut seen: HashMap<&str, Span> = HashMap::new();
                        for v in variants {
                            if let Some(first) = seen.insert(&v.text, v.span) {
                                self.error(CheckError::Duplicate { name: v.text.clone(), span: v.span, first });
                            }
                        }
                        self.enums.push(EnumInfo { name: name.clone(), variants: variants.clone() });
                    }
                }
                ast::Item::Record { name, .. } => {
                    let id = self.records.len() as u32;
                    if self.declare_type(name, Ty::Record(id)) {
                        self.records.push(RecordInfo { name: name.clone(), fields: Vec::new() });
                    }
                }
                ast::Item::Group { advisories, name, rules } => {
                    let id = self.groups.len() as u32;
                    if self.declare_value(name, Node::Group(id)) {
                        self.groups.push(GroupInfo {
                            name: name.clone(),
                            advisories: *advisories,
                            rules,
                            checked: Vec::new(),
                        });
                        self.check_codes(name, rules);
                    }
                }
                _ => {}
            }
        }
        self.collect_fields();
        self.collect_values();
    }

    fn check_codes(&mut self, name: &ast::Name, rules: &[ast::RuleDecl]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for r in rules {
            if let Some(first) = seen.insert(&r.code.text, r.code.span) {
                self.error(CheckError::Duplicate { name: r.code.text.clone(), span: r.code.span, first });
            }
        }
        if rules.len() > 64 {
            self.error(CheckError::Limit {
                message: format!("group `{}` has {} codes, more than the limit of 64", name.text, rules.len()),
                span: name.span,
            });
        }
    }

    fn collect_fields(&mut self) {
        let policy = self.policy;
        let mut record = 0usize;
        for item in &policy.items {
            let ast::Item::Record { name, fields } = item else {
                continue;
            };
            // Skip records that were rejected as duplicates.
            if self.types.get(&name.text).map(|(_, s)| *s) != Some(name.span) {
                continue;
            }
            let mut seen: HashMap<&str, Span> = HashMap::new();
            let mut resolved = Vec::new();
            for (fname, texpr) in fields {
                if let Some(first) = seen.insert(&fname.text, fname.span) {
                    self.error(CheckError::Duplicate { name: fname.text.clone(), span: fname.span, first });
                    continue;
                }
                if let Some(ty) = self.resolve_type(texpr) {
                    resolved.push((fname.clone(), ty));
                }
            }
            if let Some(info) = self.records.get_mut(record) {
                info.fields = resolved;
            }
            record += 1;
        }
        self.check_record_cycles();
    }

    /// A record that contains itself (other than through a list) has no finite layout.
    fn check_record_cycles(&mut self) {
        for start in 0..self.records.len() {
            let mut stack = vec![start as u32];
            let mut seen = vec![false; self.records.len()];
            while let Some(r) = stack.pop() {
                let Some(info) = self.records.get(r as usize) else {
                    continue;
                };
                for (_, ty) in &info.fields {
                    let mut t = ty;
                    while let Ty::Optional(inner) = t {
                        t = inner;
                    }
                    if let Ty::Record(child) = t {
                        if *child as usize == start {
                            if let Some(me) = self.records.get(start) {
                                let name = me.name.clone();
                                self.error(CheckError::Recursion {
                                    name: name.text.clone(),
                                    cycle: "a record cannot contain itself except through a list".into(),
                                    span: name.span,
                                });
                            }
                            stack.clear();
                            break;
                        }
                        if let Some(s) = seen.get_mut(*child as usize) {
                            if !*s {
                                *s = true;
                                stack.push(*child);
                            }
                        }
                    }
                }
            }
        }
    }

    fn collect_values(&mut self) {
        let policy = self.policy;
        for item in &policy.items {
            match item {
                ast::Item::Def { is_const, name, ty, value } => {
                    let id = self.defs.len() as u32;
                    if self.declare_value(name, Node::Def(id)) {
                        self.defs.push(DefInfo {
                            name: name.clone(),
                            is_const: *is_const,
                            declared: ty.as_ref(),
                            value,
                            state: DefState::Unchecked,
                            ty: None,
                            body: None,
                            set: None,
                        });
                    }
                }
                ast::Item::Fn { name, params, ret, body } => {
                    let id = self.fns.len() as u32;
                    let mut resolved = Vec::new();
                    let mut seen: HashMap<&str, Span> = HashMap::new();
                    for (pname, pty) in params {
                        if let Some(first) = seen.insert(&pname.text, pname.span) {
                            self.error(CheckError::Duplicate { name: pname.text.clone(), span: pname.span, first });
                        }
                        let ty = self.resolve_type(pty).unwrap_or(Ty::Bool);
                        resolved.push((pname.clone(), ty));
                    }
                    let ret_ty = self.resolve_type(ret).unwrap_or(Ty::Bool);
                    if self.declare_value(name, Node::Fn(id)) {
                        self.fns.push(FnInfo {
                            name: name.clone(),
                            params: resolved,
                            ret: ret_ty,
                            body_ast: body,
                            body: None,
                        });
                    }
                }
                ast::Item::Input { ty, key } => self.declare_input(ty, key.as_ref()),
                ast::Item::Output { ty, fields, span } => {
                    if let Some((_, _, first)) = self.output {
                        self.error(CheckError::Duplicate { name: "output".into(), span: *span, first });
                        continue;
                    }
                    if let Some(r) = self.record_named(ty) {
                        self.output = Some((r, fields, *span));
                    }
                }
                _ => {}
            }
        }
        self.check_shadowing();
        self.check_input_codes();
        let whole = Span::new(0, 0).to(self.policy.name.span);
        if self.input.is_none() {
            self.error(CheckError::Declaration {
                message: "the policy declares no `input`".into(),
                span: whole,
                help: Some("add `input RecordType` naming the record that each evaluation reads".into()),
            });
        }
        if self.output.is_none() && !self.policy.items.iter().any(|i| matches!(i, ast::Item::Output { .. })) {
            self.error(CheckError::Declaration {
                message: "the policy declares no `output`".into(),
                span: whole,
                help: Some("add `output RecordType { field: value, ... }` describing the decision".into()),
            });
        }
    }

    /// Input fields are in scope everywhere, so a definition may not reuse their names.
    fn check_shadowing(&mut self) {
        let Some((input, _)) = self.input else { return };
        let Some(record) = self.records.get(input as usize) else { return };
        let clashes: Vec<CheckError> = record
            .fields
            .iter()
            .filter_map(|(field, _)| {
                let (_, span) = self.values.get(&field.text)?;
                Some(CheckError::Duplicate { name: field.text.clone(), span: *span, first: field.span })
            })
            .collect();
        self.errors.extend(clashes);
    }

    /// Reason codes are what requirements and advisories compute: no host can give them, so
    /// an input record (or a record it reaches) with a `codes(...)` field would make every
    /// evaluation fail. Each such field is an error at its name.
    fn check_input_codes(&mut self) {
        let Some((input, _)) = self.input else { return };
        let (mut seen, mut todo, mut found) = (vec![input], vec![input], Vec::new());
        while let Some(r) = todo.pop() {
            let Some(record) = self.records.get(r as usize) else { continue };
            for (field, ty) in &record.fields {
                let mut parts = vec![ty];
                while let Some(t) = parts.pop() {
                    match t {
                        Ty::Codes(_) => found.push(CheckError::Declaration {
                            message: format!(
                                "field `{}` of `{}` holds reason codes, which an input record cannot hold",
                                field.text, record.name.text
                            ),
                            span: field.span,
                            help: Some(
                                "codes are computed by `requirements` and `advisories`; read such facts from the \
                                 input as a `list of` an enum or of `string`"
                                    .into(),
                            ),
                        }),
                        Ty::Record(inner) if !seen.contains(inner) => {
                            seen.push(*inner);
                            todo.push(*inner);
                        }
                        Ty::Optional(inner) | Ty::List(inner) | Ty::Map(inner) | Ty::Entry(inner) => parts.push(inner),
                        _ => {}
                    }
                }
            }
        }
        // Each record is visited once, so each field is reported once (`check` sorts them).
        self.errors.extend(found);
    }

    fn declare_input(&mut self, ty: &ast::Name, key: Option<&ast::Name>) {
        if self.input.is_some() {
            self.error(CheckError::Declaration {
                message: "the policy declares `input` twice".into(),
                span: ty.span,
                help: Some("a policy reads one input record".into()),
            });
            return;
        }
        let Some(r) = self.record_named(ty) else {
            return;
        };
        let key_index = key.and_then(|k| {
            let info = self.records.get(r as usize)?;
            let pos = info.fields.iter().position(|(n, _)| n.text == k.text);
            let declared = pos.and_then(|i| info.fields.get(i)).map(|(n, _)| n.span);
            self.resolved(k.span, declared);
            let info = self.records.get(r as usize)?;
            match pos {
                Some(i) if info.fields.get(i).map(|(_, t)| t) == Some(&Ty::String) => Some(i as u32),
                Some(_) => {
                    self.errors.push(CheckError::Declaration {
                        message: format!("key field `{}` must be a `string`", k.text),
                        span: k.span,
                        help: None,
                    });
                    None
                }
                None => {
                    let help = did_you_mean(&k.text, info.fields.iter().map(|(n, _)| n.text.as_str()));
                    let record = info.name.text.clone();
                    self.errors.push(CheckError::UnknownField { record, field: k.text.clone(), span: k.span, help });
                    None
                }
            }
        });
        self.input = Some((r, key_index));
    }

    /// The record named `name`, or an error.
    fn record_named(&mut self, name: &ast::Name) -> Option<u32> {
        match self.types.get(&name.text).cloned() {
            Some((Ty::Record(r), declared)) => {
                self.resolved(name.span, Some(declared));
                Some(r)
            }
            Some(_) => {
                self.error(CheckError::TypeMismatch {
                    expected: "a record type".into(),
                    found: format!("`{}`", name.text),
                    span: name.span,
                    help: None,
                });
                None
            }
            None => {
                let help = did_you_mean(&name.text, self.types.keys().map(String::as_str));
                self.error(CheckError::UnknownType { name: name.text.clone(), span: name.span, help });
                None
            }
        }
    }

    fn declare_type(&mut self, name: &ast::Name, ty: Ty) -> bool {
        if BUILTIN_TYPES.iter().any(|(n, _)| *n == name.text) {
            self.error(CheckError::Declaration {
                message: format!("`{}` is a built-in type", name.text),
                span: name.span,
                help: Some("choose another name".into()),
            });
            return false;
        }
        if let Some((_, first)) = self.types.get(&name.text) {
            let first = *first;
            self.error(CheckError::Duplicate { name: name.text.clone(), span: name.span, first });
            return false;
        }
        self.types.insert(name.text.clone(), (ty, name.span));
        true
    }

    fn declare_value(&mut self, name: &ast::Name, node: Node) -> bool {
        if let Some((_, first)) = self.values.get(&name.text) {
            let first = *first;
            self.error(CheckError::Duplicate { name: name.text.clone(), span: name.span, first });
            return false;
        }
        self.values.insert(name.text.clone(), (node, name.span));
        true
    }

    /// Resolves a written type, reporting unknown names.
    pub(super) fn resolve_type(&mut self, texpr: &ast::TypeExpr) -> Option<Ty> {
        match texpr {
            ast::TypeExpr::Named(name) => {
                if let Some((_, ty)) = BUILTIN_TYPES.iter().find(|(n, _)| *n == name.text) {
                    return Some(ty.clone());
                }
                if let Some((ty, declared)) = self.types.get(&name.text).cloned() {
                    self.resolved(name.span, Some(declared));
                    return Some(ty);
                }
                let candidates = BUILTIN_TYPES.iter().map(|(n, _)| *n).chain(self.types.keys().map(String::as_str));
                let help = did_you_mean(&name.text, candidates);
                self.error(CheckError::UnknownType { name: name.text.clone(), span: name.span, help });
                None
            }
            ast::TypeExpr::List(inner, _) => Some(Ty::List(Box::new(self.resolve_type(inner)?))),
            ast::TypeExpr::Map(key, value, _) => {
                let key_ty = self.resolve_type(key);
                let value_ty = self.resolve_type(value);
                let (key_ty, value_ty) = (key_ty?, value_ty?);
                if key_ty != Ty::String {
                    self.error(CheckError::MapType {
                        message: format!("map keys are strings, not `{}`", self.ty_name(&key_ty)),
                        span: key.span(),
                        help: "a map is read from a JSON object, whose keys are text: write `map of string to ...`"
                            .into(),
                    });
                    return None;
                }
                if let Ty::Optional(inner) = &value_ty {
                    self.error(CheckError::MapType {
                        message: "a map's values cannot be optional".into(),
                        span: value.span(),
                        help: format!(
                            "a lookup is already absent when the key is: write `map of string to {}` and `m[key] ?? default`",
                            self.ty_name(inner)
                        ),
                    });
                    return None;
                }
                Some(Ty::Map(Box::new(value_ty)))
            }
            ast::TypeExpr::Optional(inner, span) => {
                let inner = self.resolve_type(inner)?;
                if matches!(inner, Ty::Optional(_)) {
                    self.error(CheckError::InvalidOperation {
                        message: "an optional of an optional is not a type".into(),
                        span: *span,
                        help: Some("write a single `?`".into()),
                    });
                    return None;
                }
                Some(Ty::Optional(Box::new(inner)))
            }
            ast::TypeExpr::Codes(group, _) => match self.values.get(&group.text).copied() {
                Some((Node::Group(g), declared)) => {
                    self.resolved(group.span, Some(declared));
                    Some(Ty::Codes(g))
                }
                _ => {
                    let names = self.groups.iter().map(|g| g.name.text.as_str());
                    let help = did_you_mean(&group.text, names);
                    self.error(CheckError::UnknownName { name: group.text.clone(), span: group.span, help });
                    None
                }
            },
        }
    }
}
