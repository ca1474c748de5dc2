//! How values are represented in WebAssembly (see the table in [`super`]), and the code that
//! moves them between the operand stack, locals and memory in the ABI's fixed layout, and
//! compares them for equality.

use super::func::{mem, Func};
use super::helpers::Helper;
use super::{CodegenError, Ctx, GLOBAL_VAR_PTR};
use crate::ir::Ty;
use wasm_encoder::{BlockType, Instruction as I, ValType};

/// Where a function finds `var_ptr` (as an `i64`): strings and lists are stored relative to it
/// in memory and held as absolute addresses in the representation.
#[derive(Debug, Clone, Copy)]
pub(super) enum Var {
    /// A local of `dexp_eval`.
    Local(u32),
    /// The global `dexp_eval` sets, for helper functions.
    Global,
}

/// The value types that represent a value of `ty`.
pub(super) fn vals(ty: &Ty) -> Vec<ValType> {
    let mut out = Vec::new();
    push_vals(ty, &mut out);
    out
}

fn push_vals(ty: &Ty, out: &mut Vec<ValType>) {
    match ty {
        Ty::Bool | Ty::Date | Ty::Enum(_) | Ty::Record(_) | Ty::Entry(_) => out.push(ValType::I32),
        Ty::Int | Ty::Decimal | Ty::Codes(_) | Ty::String | Ty::List(_) | Ty::Map(_) => out.push(ValType::I64),
        Ty::Optional(inner) => {
            out.push(ValType::I32);
            push_vals(inner, out);
        }
    }
}

/// Whether a value of `ty` may refer to the variable or scratch area.
pub(super) fn has_refs(cx: &Ctx, ty: &Ty, depth: usize) -> bool {
    match ty {
        Ty::String | Ty::List(_) | Ty::Map(_) | Ty::Entry(_) => true,
        Ty::Optional(inner) => has_refs(cx, inner, depth),
        Ty::Record(r) => {
            depth > cx.program.schema.records.len()
                || cx
                    .program
                    .schema
                    .record(*r)
                    .is_some_and(|def| def.fields.iter().any(|f| has_refs(cx, &f.ty, depth + 1)))
        }
        Ty::Bool | Ty::Int | Ty::Decimal | Ty::Date | Ty::Enum(_) | Ty::Codes(_) => false,
    }
}

/// A function being generated, with the module context it draws helpers and layouts from.
pub(super) struct Gen<'c, 'p> {
    pub(super) cx: &'c mut Ctx<'p>,
    pub(super) f: Func,
    pub(super) var: Var,
}

fn internal(what: &str) -> CodegenError {
    CodegenError::Internal(what.into())
}

impl Gen<'_, '_> {
    /// The block type of a block that yields a value of `ty`.
    pub(super) fn block_type(&mut self, ty: &Ty) -> BlockType {
        let vals = vals(ty);
        match vals.as_slice() {
            [] => BlockType::Empty,
            [one] => BlockType::Result(*one),
            _ => BlockType::FunctionType(self.cx.func_type(Vec::new(), vals)),
        }
    }

    /// Pops a value of `ty` into new locals.
    pub(super) fn stash(&mut self, ty: &Ty) -> Vec<u32> {
        let locals: Vec<u32> = vals(ty).into_iter().map(|v| self.f.local(v)).collect();
        for l in locals.iter().rev() {
            self.f.set(*l);
        }
        locals
    }

    /// Pushes a value held in locals.
    pub(super) fn unstash(&mut self, locals: &[u32]) {
        for l in locals {
            self.f.get(*l);
        }
    }

    /// Pushes `var_ptr` as an `i64`.
    pub(super) fn var_ptr(&mut self) {
        match self.var {
            Var::Local(l) => self.f.get(l),
            Var::Global => self.f.op(I::GlobalGet(GLOBAL_VAR_PTR)),
        }
    }

    /// Pushes the value an absent optional holds: zero, or an empty string or list.
    pub(super) fn zero(&mut self, ty: &Ty) {
        match ty {
            Ty::Bool | Ty::Date | Ty::Enum(_) | Ty::Record(_) | Ty::Entry(_) => self.f.i32(0),
            Ty::Int | Ty::Decimal | Ty::Codes(_) => self.f.i64(0),
            Ty::String | Ty::List(_) | Ty::Map(_) => self.var_ptr(),
            Ty::Optional(inner) => {
                self.f.i32(0);
                self.zero(inner);
            }
        }
    }

    /// The byte size of an enum's values.
    fn enum_size(&self, e: u32) -> Result<u32, CodegenError> {
        self.cx.layout.enums.get(e as usize).copied().ok_or_else(|| internal("unknown enum"))
    }

    /// Where the value of an optional lies relative to its tag.
    pub(super) fn optional_offset(&self, inner: &Ty) -> Result<u32, CodegenError> {
        self.cx.layout.optional_value_offset(inner).ok_or_else(|| internal("type without layout"))
    }

    /// The size and alignment of a value of `ty` in memory.
    pub(super) fn size_align(&self, ty: &Ty) -> Result<(u32, u32), CodegenError> {
        self.cx.layout.ty(ty).map(|l| (l.size, l.align)).ok_or_else(|| internal("type without layout"))
    }

    /// The offset and type of field `i` of record `r`.
    pub(super) fn field(&self, r: u32, i: u32) -> Result<(u32, Ty), CodegenError> {
        let offset = self
            .cx
            .layout
            .record(r)
            .and_then(|l| l.fields.get(i as usize))
            .map(|f| f.offset)
            .ok_or_else(|| internal("unknown field"))?;
        let ty = self
            .cx
            .program
            .schema
            .record(r)
            .and_then(|d| d.fields.get(i as usize))
            .map(|f| f.ty.clone())
            .ok_or_else(|| internal("unknown field"))?;
        Ok((offset, ty))
    }

    /// Pushes the value of `ty` stored at `addr + off`.
    pub(super) fn load(&mut self, ty: &Ty, addr: u32, off: u32) -> Result<(), CodegenError> {
        match ty {
            Ty::Bool => {
                self.f.get(addr);
                self.f.op(I::I32Load8U(mem(off, 1)));
            }
            Ty::Enum(e) => {
                self.f.get(addr);
                if self.enum_size(*e)? == 1 {
                    self.f.op(I::I32Load8U(mem(off, 1)));
                } else {
                    self.f.op(I::I32Load(mem(off, 4)));
                }
            }
            Ty::Date => {
                self.f.get(addr);
                self.f.op(I::I32Load(mem(off, 4)));
            }
            Ty::Int | Ty::Decimal | Ty::Codes(_) => {
                self.f.get(addr);
                self.f.op(I::I64Load(mem(off, 8)));
            }
            Ty::String | Ty::List(_) | Ty::Map(_) => {
                self.f.get(addr);
                self.f.op(I::I64Load(mem(off, 4)));
                self.var_ptr();
                self.f.op(I::I64Add);
            }
            Ty::Record(_) | Ty::Entry(_) => {
                self.f.get(addr);
                if off != 0 {
                    self.f.i32(off as i32);
                    self.f.op(I::I32Add);
                }
            }
            Ty::Optional(inner) => {
                self.f.get(addr);
                self.f.op(I::I32Load8U(mem(off, 1)));
                let at = self.optional_offset(inner)?;
                let at = off.checked_add(at).ok_or_else(|| internal("offset"))?;
                self.load(inner, addr, at)?;
            }
        }
        Ok(())
    }

    /// Stores a single-valued `ty` (not a record or an optional) at `addr + off`; the stack
    /// holds the address and then the value.
    pub(super) fn store_scalar(&mut self, ty: &Ty, off: u32) -> Result<(), CodegenError> {
        match ty {
            Ty::Bool => self.f.op(I::I32Store8(mem(off, 1))),
            Ty::Enum(e) => {
                if self.enum_size(*e)? == 1 {
                    self.f.op(I::I32Store8(mem(off, 1)));
                } else {
                    self.f.op(I::I32Store(mem(off, 4)));
                }
            }
            Ty::Date => self.f.op(I::I32Store(mem(off, 4))),
            Ty::Int | Ty::Decimal | Ty::Codes(_) => self.f.op(I::I64Store(mem(off, 8))),
            Ty::String | Ty::List(_) | Ty::Map(_) => {
                self.var_ptr();
                self.f.op(I::I64Sub);
                self.f.op(I::I64Store(mem(off, 4)));
            }
            Ty::Record(_) | Ty::Optional(_) | Ty::Entry(_) => return Err(internal("not a scalar")),
        }
        Ok(())
    }

    /// Whether [`Self::store_scalar`] handles `ty`.
    pub(super) fn is_scalar(ty: &Ty) -> bool {
        !matches!(ty, Ty::Record(_) | Ty::Optional(_) | Ty::Entry(_))
    }

    /// Stores the value of `ty` on top of the stack at `addr + off`.
    pub(super) fn store(&mut self, ty: &Ty, addr: u32, off: u32) -> Result<(), CodegenError> {
        let value = self.stash(ty);
        self.store_locals(ty, &value, addr, off)
    }

    fn store_locals(&mut self, ty: &Ty, value: &[u32], addr: u32, off: u32) -> Result<(), CodegenError> {
        match ty {
            Ty::Record(_) | Ty::Entry(_) => {
                let (size, _) = self.size_align(ty)?;
                self.f.get(addr);
                if off != 0 {
                    self.f.i32(off as i32);
                    self.f.op(I::I32Add);
                }
                self.unstash(value);
                self.f.i32(size as i32);
                self.f.op(I::MemoryCopy { src_mem: 0, dst_mem: 0 });
            }
            Ty::Optional(inner) => {
                let (tag, rest) = value.split_first().ok_or_else(|| internal("optional"))?;
                self.f.get(addr);
                self.f.get(*tag);
                self.f.op(I::I32Store8(mem(off, 1)));
                let at = self.optional_offset(inner)?;
                let at = off.checked_add(at).ok_or_else(|| internal("offset"))?;
                self.f.get(*tag);
                self.f.if_(BlockType::Empty);
                self.store_locals(inner, rest, addr, at)?;
                self.f.end();
            }
            _ => {
                self.f.get(addr);
                self.unstash(value);
                self.store_scalar(ty, off)?;
            }
        }
        Ok(())
    }

    /// Replaces two values of `ty` on the stack by `1` when they are equal, else `0`.
    pub(super) fn eq(&mut self, ty: &Ty) -> Result<(), CodegenError> {
        match ty {
            Ty::Bool | Ty::Enum(_) | Ty::Date => self.f.op(I::I32Eq),
            Ty::Int | Ty::Decimal | Ty::Codes(_) => self.f.op(I::I64Eq),
            Ty::String => {
                let f = self.cx.helper(Helper::StrEq);
                self.f.op(I::Call(f));
            }
            Ty::List(elem) => {
                let f = self.cx.helper(Helper::ListEq((**elem).clone()));
                self.f.op(I::Call(f));
            }
            Ty::Record(r) => {
                let f = self.cx.helper(Helper::RecordEq(*r));
                self.f.op(I::Call(f));
            }
            // The checker compares no value that holds a map.
            Ty::Map(_) | Ty::Entry(_) => return Err(internal("maps have no equality")),
            Ty::Optional(inner) => {
                let b = self.stash(ty);
                let a = self.stash(ty);
                let (Some(ta), Some(tb)) = (a.first(), b.first()) else {
                    return Err(internal("optional"));
                };
                let (ta, tb) = (*ta, *tb);
                self.f.get(ta);
                self.f.get(tb);
                self.f.op(I::I32Ne);
                self.f.if_(BlockType::Result(ValType::I32));
                self.f.i32(0);
                self.f.else_();
                self.f.get(ta);
                self.f.op(I::I32Eqz);
                self.f.if_(BlockType::Result(ValType::I32));
                self.f.i32(1);
                self.f.else_();
                self.unstash(a.get(1..).unwrap_or_default());
                self.unstash(b.get(1..).unwrap_or_default());
                self.eq(inner)?;
                self.f.end();
                self.f.end();
            }
        }
        Ok(())
    }
}
