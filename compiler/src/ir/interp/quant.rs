//! List operations in the reference interpreter: the generators walked depth first (for each
//! element of a list, every element of the next one), the filter and the value run for each
//! element of the innermost list, `all`/`any` leaving every loop at the first deciding
//! element, and `count distinct` collecting the kept values and counting the distinct ones.

use super::*;
use std::collections::HashSet;

/// What a list operation has accumulated so far.
#[derive(Default)]
struct Acc {
    /// `count` and `sum`.
    count: i64,
    /// `max` and `min`: the best value so far.
    best: Option<Value>,
    /// `count distinct`: the kept values, at most [`MAX_DISTINCT_VALUES`].
    kept: Vec<Value>,
    /// `all`/`any`: the result, once an element decided it.
    decided: Option<bool>,
}

/// A value as `count distinct` compares it: ints, dates, enum variants and bools by number,
/// strings by their bytes.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    Num(i64),
    Str(Arc<str>),
}

impl Ctx<'_> {
    pub(super) fn quant(&mut self, q: &Quant, frame: &mut [Value]) -> R {
        let generators: Vec<(u32, &Expr)> = q.generators().collect();
        let mut acc = Acc::default();
        self.quant_level(q, &generators, frame, &mut acc)?;
        if let Some(holds) = acc.decided {
            return Ok(Value::Bool(holds));
        }
        Ok(match q.kind {
            QuantKind::All => Value::Bool(true),
            QuantKind::Any => Value::Bool(false),
            QuantKind::Sum if q.body.as_ref().is_some_and(|b| b.ty == Ty::Decimal) => Value::Decimal(acc.count),
            QuantKind::Count | QuantKind::Sum => Value::Int(acc.count),
            QuantKind::Distinct => {
                let keys: HashSet<Key> = acc
                    .kept
                    .into_iter()
                    .map(|v| match v {
                        Value::Str(s) => Key::Str(s),
                        v => Key::Num(int_of(&v)),
                    })
                    .collect();
                Value::Int(keys.len() as i64)
            }
            QuantKind::Max | QuantKind::Min => match acc.best {
                Some(v) => v,
                None => match &q.default {
                    Some(d) => self.eval(d, frame)?,
                    None => Value::Null,
                },
            },
        })
    }

    /// Runs the first generator of `generators` over its list, and for each element the rest
    /// (or, when none is left, the filter and the value).
    fn quant_level(
        &mut self,
        q: &Quant,
        generators: &[(u32, &Expr)],
        frame: &mut [Value],
        acc: &mut Acc,
    ) -> Result<(), EvalError> {
        let Some(((slot, list), rest)) = generators.split_first() else {
            return self.quant_element(q, frame, acc);
        };
        let value = self.eval(list, frame)?;
        let items = items_of(&value);
        let slot = *slot as usize;
        let list_path = if self.trace.is_some() { self.path_of(list) } else { None };
        if let Some(path) = &list_path {
            self.record_read(format!("count({path})"), &Ty::Int, &Value::Int(items.len() as i64));
        }
        for (index, item) in items.iter().enumerate() {
            if let Some(s) = frame.get_mut(slot) {
                *s = item.clone();
            }
            if let (Some(base), Some(trace)) = (&list_path, self.trace.as_mut()) {
                if let Some(p) = trace.frames.last_mut().and_then(|f| f.get_mut(slot)) {
                    *p = Some(match &value {
                        Value::Map(entries) => {
                            entries.get(index).map_or_else(String::new, |(k, _)| entry_path(base, k))
                        }
                        _ => format!("{base}[{index}]"),
                    });
                }
            }
            // One level of the host stack per generator; their number is bounded by the
            // checker, and the growable stack covers the rest.
            crate::stack::guard(|| self.quant_level(q, rest, frame, acc))?;
            if acc.decided.is_some() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The filter and the value for one element of the innermost list.
    fn quant_element(&mut self, q: &Quant, frame: &mut [Value], acc: &mut Acc) -> Result<(), EvalError> {
        if let Some(filter) = &q.filter {
            if !bool_of(&self.eval(filter, frame)?) {
                return Ok(());
            }
        }
        let site = q.site.unwrap_or(0);
        match q.kind {
            QuantKind::All | QuantKind::Any => {
                let holds = match &q.body {
                    Some(body) => bool_of(&self.eval(body, frame)?),
                    None => true,
                };
                if holds == (q.kind == QuantKind::Any) {
                    acc.decided = Some(holds);
                }
            }
            QuantKind::Count => acc.count += 1,
            QuantKind::Sum => {
                let v = match &q.body {
                    Some(body) => int_of(&self.eval(body, frame)?),
                    None => 0,
                };
                acc.count = acc.count.checked_add(v).ok_or(overflow(site))?;
            }
            QuantKind::Max | QuantKind::Min => {
                if let Some(body) = &q.body {
                    let v = self.eval(body, frame)?;
                    acc.best = Some(match acc.best.take() {
                        None => v,
                        Some(b) => pick(q.kind == QuantKind::Max, b, v),
                    });
                }
            }
            QuantKind::Distinct => {
                if let Some(body) = &q.body {
                    let v = self.eval(body, frame)?;
                    if acc.kept.len() >= MAX_DISTINCT_VALUES as usize {
                        return Err(EvalError { site, failure: Failure::TooManyValues });
                    }
                    acc.kept.push(v);
                }
            }
        }
        Ok(())
    }
}
