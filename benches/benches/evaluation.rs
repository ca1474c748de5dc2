//! Criterion benches of the reference policy, `policies/defender_experts.dexp`, on generated
//! tenants (`dexp_benches::TenantGen`, seed `DEFAULT_SEED`): its evaluation loop in every form
//! (a)-(f), the Arrow path (g)-(h), the typed Rust API (`typed`), and the cost of compiling and
//! loading it; (i), a distinct count over 1,000 nested elements, (j), 1,000 map lookups, and
//! (k), 1,000 decimal products and quotients (policies of their own). Throughput is in records
//! (tenants), or elements for (i), (j) and (k).
//!
//! Run with `cargo bench -p dexp-benches`; `benches/README.md` has the latest figures and the
//! exact command that produced them.

// A bench whose setup fails must stop loudly; `criterion_group!` makes undocumented items.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use dexp_benches::floor::Visit;
use dexp_benches::host::{Decision, Tenant};
use dexp_benches::{baseline_line, generated, ndjson, Handwritten, TenantGen, DEFAULT_SEED, POLICY_SOURCE};
use dexp_compiler::ir::interp;
use dexp_runtime::encode::BatchEncoder;
use dexp_runtime::json;
use dexp_runtime::schema::{Schema, Ty};
use dexp_runtime::typed::view::{DecisionView, FieldView};
use dexp_runtime::{Interrupt, Limits, Policy, Runtime};
use std::hint::black_box;
use std::sync::OnceLock;

/// Batch sizes of the pre-encoded benches (a) and (b): 1024 is the runtime's default batch
/// (300 KiB with its decision slots). On one batch repeated, (a) used to fall off a cliff
/// between 1024 and 2048 where the branch predictor could no longer memorise the batch; on
/// fresh batches (`fresh_batches`) there is no cliff.
const BATCHES: [usize; 5] = [256, 512, 1024, 2048, 4096];
/// Records per iteration of the other evaluation benches.
const RECORDS: usize = 4096;

/// What every bench shares, built once: the compiled policy and the generated records.
struct Fixture {
    wasm: Vec<u8>,
    program: dexp_compiler::ir::Program,
    policy: Policy,
    lines: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let compiled = dexp_compiler::compile(POLICY_SOURCE).expect("the reference policy compiles");
        let policy = Policy::load(&compiled.wasm).expect("the module loads");
        let lines = TenantGen::new(DEFAULT_SEED).lines(RECORDS.max(BATCHES[BATCHES.len() - 1]));
        Fixture { wasm: compiled.wasm, program: compiled.program, policy, lines }
    })
}

/// The first `n` generated records, encoded into one batch of the policy's input layout.
fn encoded(n: usize) -> BatchEncoder {
    let f = fixture();
    let mut batch = BatchEncoder::new(f.policy.shape().clone());
    for line in &f.lines[..n] {
        batch.push_json(line).unwrap();
    }
    batch
}

/// (a) `eval/a_wasm/N`: the compiled module deciding a batch of N pre-encoded records on
/// wasmtime. The batch is copied into the instance's memory once (`Evaluator::load`); each
/// iteration is `Evaluator::run` only: the runtime marks the N status words unwritten, sets
/// the epoch deadline, makes the one `dexp_eval` call and bounds-checks the returned
/// `var_end`. No JSON, no decoding of decisions.
///
/// (b) `eval/b_handwritten/N`: the same policy hand-written in Rust (`Handwritten`), reading
/// the same input and variable areas at the `abi::Layout` offsets and writing the same
/// decision slot bytes (checked byte for byte against the module by the library's unit
/// test): the practical limit for (a).
fn wasm_and_handwritten(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("eval");
    for n in BATCHES {
        let batch = encoded(n);
        group.throughput(Throughput::Elements(n as u64));
        let mut evaluator = f.policy.evaluator().unwrap();
        evaluator.load(&batch).unwrap();
        group.bench_function(BenchmarkId::new("a_wasm", n), |b| {
            b.iter(|| black_box(evaluator.run().unwrap().len()));
        });
        let mut plain = PlainModule::new(&f.wasm, &batch);
        group.bench_function(BenchmarkId::new("a_wasm_plain", n), |b| b.iter(|| black_box(plain.call())));
        let hand = Handwritten::new(f.policy.shape(), &f.policy.metadata().sites).unwrap();
        let mut out = vec![0u8; n * hand.slot_size()];
        group.bench_function(BenchmarkId::new("b_handwritten", n), |b| {
            b.iter(|| black_box(hand.evaluate_batch(black_box(batch.records()), black_box(batch.vars()), &mut out)));
        });
    }
    group.finish();
}

/// How many different batches the `_fresh` benches cycle through.
const FRESH: usize = 16;

/// (a) and (b) on records the processor has not just seen: `eval/a_wasm_fresh/N` and
/// `eval/b_handwritten_fresh/N` cycle through 16 different batches of N generated tenants, one
/// per iteration, each made ready untimed (criterion's `iter_batched` setup: loaded into the
/// module's memory, or read once for the hand-written policy, so both start with it in the
/// caches). (a) and (b) decide the same batch every iteration, and a processor learns every
/// branch outcome of a small repeated batch by heart; a stream of batches never repeats, so
/// these are the figures to trust for code whose branches depend on the data.
fn fresh_batches(c: &mut Criterion) {
    let f = fixture();
    let lines = TenantGen::new(DEFAULT_SEED).lines(FRESH * BATCHES[BATCHES.len() - 1]);
    let mut group = c.benchmark_group("eval");
    for n in BATCHES {
        let batches: Vec<BatchEncoder> = lines
            .chunks(n)
            .take(FRESH)
            .map(|chunk| {
                let mut batch = BatchEncoder::new(f.policy.shape().clone());
                for line in chunk {
                    batch.push_json(line).unwrap();
                }
                batch
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        let evaluator = std::cell::RefCell::new(f.policy.evaluator().unwrap());
        let mut k = 0;
        group.bench_function(BenchmarkId::new("a_wasm_fresh", n), |b| {
            b.iter_batched(
                || {
                    k = (k + 1) % FRESH;
                    evaluator.borrow_mut().load(&batches[k]).unwrap();
                },
                |()| black_box(evaluator.borrow_mut().run().unwrap().len()),
                BatchSize::PerIteration,
            );
        });
        let hand = Handwritten::new(f.policy.shape(), &f.policy.metadata().sites).unwrap();
        let mut out = vec![0u8; n * hand.slot_size()];
        group.bench_function(BenchmarkId::new("b_handwritten_fresh", n), |b| {
            b.iter_batched(
                || {
                    k = (k + 1) % FRESH;
                    let batch = &batches[k];
                    black_box(batch.records().iter().chain(batch.vars()).fold(0u8, |s, x| s.wrapping_add(*x)));
                    k
                },
                |k| black_box(hand.evaluate_batch(batches[k].records(), batches[k].vars(), &mut out)),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

/// The module instantiated on plain wasmtime (default configuration: no epoch interruption,
/// fuel or memory limiter) with one batch placed by the ABI, for the diagnostic bench
/// `eval/a_wasm_plain/N`: the same guest call as (a) without the runtime's always-on limits
/// and per-batch bookkeeping, which tells what those cost.
struct PlainModule {
    store: wasmtime::Store<()>,
    eval: wasmtime::TypedFunc<(i32, i32, i32, i32, i32), i32>,
    args: (i32, i32, i32, i32, i32),
}

impl PlainModule {
    fn new(wasm: &[u8], batch: &BatchEncoder) -> PlainModule {
        use dexp_runtime::abi::{Placement, EXPORT_EVAL, EXPORT_HEAP_BASE, EXPORT_MEMORY};
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let memory = instance.get_memory(&mut store, EXPORT_MEMORY).unwrap();
        let global = instance.get_global(&mut store, EXPORT_HEAP_BASE).unwrap();
        let heap_base = global.get(&mut store).i32().unwrap() as u32;
        let eval = instance.get_typed_func(&mut store, EXPORT_EVAL).unwrap();
        let (n, var_len) = (batch.len() as u32, batch.vars().len() as u32);
        let place = Placement::new(batch.shape().layout(), heap_base, n, var_len).unwrap();
        let have = memory.data_size(&store) as u64;
        if place.end() > have {
            memory.grow(&mut store, (place.end() - have).div_ceil(1 << 16)).unwrap();
        }
        let mem = memory.data_mut(&mut store);
        let (in_ptr, var_ptr) = (place.in_ptr as usize, place.var_ptr as usize);
        mem[in_ptr..in_ptr + batch.records().len()].copy_from_slice(batch.records());
        mem[var_ptr..var_ptr + batch.vars().len()].copy_from_slice(batch.vars());
        let args = (n as i32, place.in_ptr as i32, place.out_ptr as i32, place.var_ptr as i32, var_len as i32);
        PlainModule { store, eval, args }
    }

    fn call(&mut self) -> i32 {
        self.eval.call(&mut self.store, self.args).unwrap()
    }
}

/// (c) `eval/c_interpreter/4096`: the reference interpreter (`ir::interp::evaluate`) over
/// records already decoded into `Value`s, building each decision as a `Value`. No JSON.
fn interpreter(c: &mut Criterion) {
    let f = fixture();
    let values: Vec<_> =
        f.lines[..RECORDS].iter().map(|line| json::decode_input(&f.program.schema, line).unwrap()).collect();
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function(BenchmarkId::new("c_interpreter", RECORDS), |b| {
        b.iter(|| {
            for value in &values {
                black_box(interp::evaluate(&f.program, value).unwrap());
            }
        });
    });
    group.finish();
}

/// (d) `ndjson/d_encode/4096`: JSON text to the input layout, `BatchEncoder::push_json` on
/// each of 4096 lines into a cleared batch whose buffers have already grown (the steady state
/// of a worker). No evaluation.
///
/// (e) `ndjson/e_end_to_end/4096`: NDJSON text in, NDJSON text out, one thread:
/// `Evaluator::evaluate_ndjson` over 4096 lines (split into batches by the runtime's default
/// limits, 1024 records), which encodes, loads, runs and writes every decision as JSON into a
/// reused `String`. No file I/O.
///
/// `ndjson/j_write/4096`: the output half of (e) alone: `Decisions::write_json` for each of
/// 4096 decisions already in the instance's memory, into a reused `String`.
///
/// (f) `ndjson/f_serde_baseline/4096`: the baseline of the speed goal: parse each of the same
/// lines into a `serde_json::Value` and append `{"tenant_id":...,"ok":true}` to a reused
/// buffer (`baseline_line`).
fn ndjson_pipeline(c: &mut Criterion) {
    let f = fixture();
    let lines = &f.lines[..RECORDS];
    let text = ndjson(lines);
    let mut group = c.benchmark_group("ndjson");
    group.throughput(Throughput::Elements(RECORDS as u64));
    let mut batch = encoded(RECORDS);
    group.bench_function(BenchmarkId::new("d_encode", RECORDS), |b| {
        b.iter(|| {
            batch.clear();
            for line in lines {
                batch.push_json(black_box(line)).unwrap();
            }
            black_box(batch.len())
        });
    });
    // The same records through the runtime's serde reader alone (serde_json driving the
    // schema's visitor), which (d) falls back to only for records it must refuse.
    group.bench_function(BenchmarkId::new("d_encode_serde", RECORDS), |b| {
        b.iter(|| {
            batch.clear();
            for line in lines {
                batch.push_json_serde(black_box(line)).unwrap();
            }
            black_box(batch.len())
        });
    });
    // The candidates for the reader (issue 14, item 1): decoding each line into the policy's
    // input as host structs (`host::Tenant`, undeclared keys skipped), with serde_json and with
    // sonic-rs (SIMD structural scanning); neither writes the layout, so both do less than (d).
    group.bench_function(BenchmarkId::new("d_struct_serde_json", RECORDS), |b| {
        b.iter(|| {
            let mut n = 0;
            for line in lines {
                let t: Tenant = serde_json::from_str(black_box(line)).unwrap();
                n += t.products.len();
            }
            black_box(n)
        });
    });
    group.bench_function(BenchmarkId::new("d_struct_sonic_rs", RECORDS), |b| {
        b.iter(|| {
            let mut n = 0;
            for line in lines {
                let t: Tenant = sonic_rs::from_str(black_box(line)).unwrap();
                n += t.products.len();
            }
            black_box(n)
        });
    });
    let mut evaluator = f.policy.evaluator().unwrap();
    let mut out = String::with_capacity(text.len());
    group.bench_function(BenchmarkId::new("e_end_to_end", RECORDS), |b| {
        b.iter(|| {
            out.clear();
            let summary = evaluator.evaluate_ndjson(black_box(&text), 1, &mut out).unwrap();
            black_box(summary)
        });
    });
    // Writing the decisions alone: the batch is evaluated once, then each record's decision
    // is written as the JSON line `dexpc eval` prints, straight from the decision slots.
    batch.clear();
    for line in lines {
        batch.push_json(line).unwrap();
    }
    let mut writer = f.policy.evaluator().unwrap();
    let decisions = writer.evaluate_encoded(&batch).unwrap();
    group.bench_function(BenchmarkId::new("j_write", RECORDS), |b| {
        b.iter(|| {
            out.clear();
            for i in 0..decisions.len() {
                decisions.write_json(i, &mut out).unwrap().unwrap();
            }
            black_box(out.len())
        });
    });
    let mut out = Vec::with_capacity(text.len());
    group.bench_function(BenchmarkId::new("f_serde_baseline", RECORDS), |b| {
        b.iter(|| {
            out.clear();
            for line in text.lines() {
                baseline_line(black_box(line), &mut out).unwrap();
            }
            black_box(out.len())
        });
    });
    group.finish();
}

/// `policy/compile`: `dexp_compiler::compile` on the reference policy's source, what
/// `dexpc compile` does between reading the file and writing the module: parse, check,
/// generate Wasm, validate it with wasmparser. `policy/frontend`: parse and check only.
///
/// `policy/load`: the first `Runtime::load` of the compiled module on a runtime: wasmparser
/// validation, import/export and ABI checks, metadata decoding, and the wasmtime (Cranelift)
/// compilation of the module. Each iteration uses a new runtime (with fuel, so no ticker
/// thread; making its engine costs microseconds) so that nothing is cached.
///
/// `policy/reload`: `Runtime::load` of the same bytes on a runtime that compiled them before:
/// the same checks, and the compiled module from the runtime's cache.
///
/// `policy/evaluator`: `Policy::evaluator`, one worker's store and instance.
fn compile_and_load(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("policy");
    group.sample_size(20);
    group.bench_function("frontend", |b| b.iter(|| dexp_compiler::frontend(black_box(POLICY_SOURCE)).unwrap()));
    group.bench_function("compile", |b| b.iter(|| dexp_compiler::compile(black_box(POLICY_SOURCE)).unwrap()));
    let fuel = Limits { interrupt: Interrupt::Fuel { per_record: 1 << 20 }, ..Limits::default() };
    group.bench_function("load", |b| b.iter(|| Runtime::new(fuel.clone()).unwrap().load(black_box(&f.wasm)).unwrap()));
    let runtime = Runtime::new(Limits::default()).unwrap();
    group.bench_function("reload", |b| b.iter(|| runtime.load(black_box(&f.wasm)).unwrap()));
    group.bench_function("evaluator", |b| b.iter(|| f.policy.evaluator().unwrap()));
    group.finish();
}

/// The same records as one Arrow `RecordBatch` of the policy's input schema (read from their
/// NDJSON with arrow-json, outside the measurement).
fn arrow_batch(lines: &[String]) -> arrow_array::RecordBatch {
    let f = fixture();
    let schema = dexp_runtime::arrow::input_schema(f.policy.schema()).unwrap();
    let text = ndjson(lines);
    let mut reader =
        arrow_json::ReaderBuilder::new(schema).with_batch_size(lines.len()).build(text.as_bytes()).unwrap();
    reader.next().unwrap().unwrap()
}

/// (g) `arrow/g_encode/4096`: Arrow columns to the input layout: `ArrowEncoder::encode` of a
/// 4096-row `RecordBatch` (the same records as (d)), a column at a time, into reused buffers.
/// No evaluation. The counterpart of (d) without JSON.
///
/// (h) `arrow/h_end_to_end/4096`: a `RecordBatch` in, a `RecordBatch` of decisions out, one
/// thread: `Evaluator::evaluate_arrow` (batches of 1024, the runtime default): encode, load,
/// run, and build the decision columns. No file I/O. The counterpart of (e) without JSON.
fn arrow_pipeline(c: &mut Criterion) {
    let f = fixture();
    let batch = arrow_batch(&f.lines[..RECORDS]);
    let mut group = c.benchmark_group("arrow");
    group.throughput(Throughput::Elements(RECORDS as u64));
    let mut encoder = dexp_runtime::arrow::ArrowEncoder::new(f.policy.shape().clone());
    group.bench_function(BenchmarkId::new("g_encode", RECORDS), |b| {
        b.iter(|| {
            encoder.encode(black_box(&batch));
            black_box(encoder.len())
        });
    });
    // Once more outside the measurement, so the check holds when a filter skips the bench.
    encoder.encode(&batch);
    assert_eq!(encoder.len(), RECORDS, "every generated record encodes");
    let mut evaluator = f.policy.evaluator().unwrap();
    group.bench_function(BenchmarkId::new("h_end_to_end", RECORDS), |b| {
        b.iter(|| black_box(evaluator.evaluate_arrow(black_box(&batch)).unwrap().num_rows()));
    });
    group.finish();
}

/// The policy of (i): distinct user ids (strings) and distinct seat numbers (ints) over every
/// assignment of every product.
const DISTINCT_POLICY: &str = r#"policy distinct_bench
record Assignment { user: string, seats: int }
record Product { sku: string, assignments: list of Assignment }
record Tenant { id: string, products: list of Product }
record Out { users: int }
input Tenant key id
output Out { users: count distinct p in products, a in p.assignments: VALUE }
"#;

/// One tenant of 10 products with 100 assignments each: 1,000 elements, 400 distinct user
/// ids (`user-0` to `user-399`, in a scrambled order) and 400 distinct seat numbers.
fn distinct_tenant() -> String {
    let products: Vec<String> = (0..10)
        .map(|p| {
            let assignments: Vec<String> = (0..100)
                .map(|a| {
                    let k = (p * 100 + a) * 7919 % 400;
                    format!(r#"{{"user":"user-{k}","seats":{}}}"#, k * 3)
                })
                .collect();
            format!(r#"{{"sku":"sku-{p}","assignments":[{}]}}"#, assignments.join(","))
        })
        .collect();
    format!(r#"{{"id":"t","products":[{}]}}"#, products.join(","))
}

/// (i) `distinct/i_wasm_strings/1000` and `distinct/i_wasm_ints/1000`: the module deciding one
/// pre-loaded record whose only output is a `count distinct` over 1,000 nested elements
/// (strings: the user ids; ints: the seat numbers), 400 of them distinct: collecting the
/// values in scratch memory, the heapsort and the count of runs, plus the fixed cost of one
/// `Evaluator::run`. `distinct/i_interp_strings/1000`: the reference interpreter on the same
/// record (a hash set). Throughput is in elements.
fn distinct_count(c: &mut Criterion) {
    let line = distinct_tenant();
    let mut group = c.benchmark_group("distinct");
    group.throughput(Throughput::Elements(1000));
    for (name, value) in [("strings", "a.user"), ("ints", "a.seats")] {
        let compiled = dexp_compiler::compile(&DISTINCT_POLICY.replace("VALUE", value)).unwrap();
        let policy = Policy::load(&compiled.wasm).unwrap();
        let mut batch = BatchEncoder::new(policy.shape().clone());
        batch.push_json(&line).unwrap();
        let mut evaluator = policy.evaluator().unwrap();
        evaluator.load(&batch).unwrap();
        let mut out = String::new();
        evaluator.run().unwrap().write_json(0, &mut out).unwrap().unwrap();
        assert_eq!(out, r#"{"users":400}"#, "{name}: the module counts 400 distinct values");
        group.bench_function(BenchmarkId::new(format!("i_wasm_{name}"), 1000), |b| {
            b.iter(|| black_box(evaluator.run().unwrap().len()));
        });
        if name == "strings" {
            let value = json::decode_input(&compiled.program.schema, &line).unwrap();
            group.bench_function(BenchmarkId::new("i_interp_strings", 1000), |b| {
                b.iter(|| black_box(interp::evaluate(&compiled.program, black_box(&value)).unwrap()));
            });
        }
    }
    group.finish();
}

/// The typed API (issue 14, item 4) on the same 4096 records as (e), one thread, the
/// runtime's default batches of 1024:
///
/// - `typed/evaluate_typed/4096`: `Evaluator::evaluate_typed::<Tenant, Decision>` on host
///   structs (`dexp_benches::host`, read from the records' JSON outside the measurement):
///   each struct serialized straight into the input layout, loaded, run, and each decision
///   deserialized straight from its slot into a `Decision` (its strings and code lists
///   allocated, as the host type asks).
/// - `typed/evaluate_typed_value/4096`: the same with `serde_json::Value` inputs.
/// - `typed/evaluate_direct/4096`: `Evaluator::evaluate_direct` on the policy's generated
///   types (`dexp_benches::generated`, `dexpc types --lang rust`): each record written at the
///   layout's offsets, each decision read from its slot into the generated `Decision`.
/// - `typed/evaluate_ndjson/4096`: `Evaluator::evaluate_ndjson` on the same records' NDJSON
///   text into a reused `String`, as (e): the baseline of the issue's goal (typed at least 3x
///   faster).
///
/// - `typed/serde_floor/4096`: no dexp at all: every host struct serialized into a serializer
///   that only visits it (`dexp_benches::floor::Visit`), and every decision of a first run
///   cloned (the allocations the `Decision` type asks for). What serde's protocol and the host
///   types cost alone: the least a serde-based `evaluate_typed` can take, before the module.
///
/// Reading the decisions of one run batch of 4096 (evaluated once, outside the measurement):
///
/// - `typed/value/4096`: `Decisions::value` for every record, a nested `Value` each.
/// - `typed/view_all/4096`: `Decisions::view` for every record and every field read through
///   the view (all leaves, nested records and lists included), checked, nothing allocated.
/// - `typed/view_three/4096`: the view reading three fields a host typically wants
///   (`tenant_id`, `xdr.eligible`, `billable_seats`).
/// - `typed/deserialize/4096`: `Decisions::deserialize::<Decision>` for every record.
fn typed_api(c: &mut Criterion) {
    let f = fixture();
    let lines = &f.lines[..RECORDS];
    let tenants: Vec<Tenant> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let values: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let direct: Vec<generated::Tenant> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let text = ndjson(lines);
    let mut group = c.benchmark_group("typed");
    group.throughput(Throughput::Elements(RECORDS as u64));
    let mut evaluator = f.policy.evaluator().unwrap();
    let decided =
        |results: &[Result<Decision, dexp_runtime::RecordError>]| results.iter().filter(|r| r.is_ok()).count();
    // Outside the measurement, so the check holds when a filter skips the bench.
    let first: Vec<Result<Decision, _>> = evaluator.evaluate_typed(&tenants).unwrap();
    assert_eq!(decided(&first), RECORDS, "every generated record is decided");
    let made: Vec<Decision> = first.iter().filter_map(|r| r.as_ref().ok().cloned()).collect();
    group.bench_function(BenchmarkId::new("evaluate_typed", RECORDS), |b| {
        b.iter(|| {
            let results: Vec<Result<Decision, _>> = evaluator.evaluate_typed(black_box(&tenants)).unwrap();
            black_box(results)
        });
    });
    group.bench_function(BenchmarkId::new("evaluate_typed_value", RECORDS), |b| {
        b.iter(|| {
            let results: Vec<Result<Decision, _>> = evaluator.evaluate_typed(black_box(&values)).unwrap();
            black_box(results)
        });
    });
    let first: Vec<Result<generated::Decision, _>> = evaluator.evaluate_direct(&direct).unwrap();
    assert_eq!(first.iter().filter(|r| r.is_ok()).count(), RECORDS, "every generated record is decided");
    group.bench_function(BenchmarkId::new("evaluate_direct", RECORDS), |b| {
        b.iter(|| {
            let results: Vec<Result<generated::Decision, _>> = evaluator.evaluate_direct(black_box(&direct)).unwrap();
            black_box(results)
        });
    });
    let mut out = String::with_capacity(text.len());
    group.bench_function(BenchmarkId::new("evaluate_ndjson", RECORDS), |b| {
        b.iter(|| {
            out.clear();
            black_box(evaluator.evaluate_ndjson(black_box(&text), 1, &mut out).unwrap())
        });
    });
    group.bench_function(BenchmarkId::new("serde_floor", RECORDS), |b| {
        b.iter(|| {
            let mut visit = Visit::default();
            for tenant in black_box(&tenants) {
                visit.visit(tenant);
            }
            let decisions: Vec<Decision> = black_box(&made).to_vec();
            black_box((visit.sum, decisions))
        });
    });
    let batch = encoded(RECORDS);
    let schema = f.policy.schema().clone();
    let decisions = evaluator.evaluate_encoded(&batch).unwrap();
    group.bench_function(BenchmarkId::new("value", RECORDS), |b| {
        b.iter(|| {
            for i in 0..RECORDS {
                black_box(decisions.value(i).unwrap().unwrap());
            }
        });
    });
    group.bench_function(BenchmarkId::new("view_all", RECORDS), |b| {
        b.iter(|| {
            let mut leaves = 0u64;
            for i in 0..RECORDS {
                let view = decisions.view(i).unwrap().unwrap();
                leaves += read_record(&view, schema.output, &schema);
            }
            black_box(leaves)
        });
    });
    group.bench_function(BenchmarkId::new("view_three", RECORDS), |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for i in 0..RECORDS {
                let view = decisions.view(i).unwrap().unwrap();
                sum += view.get("tenant_id").unwrap().str().unwrap().len() as i64;
                sum += i64::from(view.get("xdr").unwrap().record().unwrap().get("eligible").unwrap().bool().unwrap());
                sum += view.get("billable_seats").unwrap().int().unwrap();
            }
            black_box(sum)
        });
    });
    group.bench_function(BenchmarkId::new("deserialize", RECORDS), |b| {
        b.iter(|| {
            for i in 0..RECORDS {
                black_box(decisions.deserialize::<Decision>(i).unwrap().unwrap());
            }
        });
    });
    group.finish();
}

/// The default batch, chosen by bytes (issue 14, item 5): `batch/e_end_to_end/B` is (e) on
/// the same 4096 lines with batches closed after `B` encoded bytes (input and variable areas;
/// no record cap), so one run shows the whole curve from small batches, where the per-batch
/// costs (load, call, status words) weigh, to batches whose input, strings and decision slots
/// no longer fit the core's cache. A reference tenant encodes to about 200 bytes and its
/// decision slot takes 104 more. End to end the evaluation is a few percent of the time, so
/// the sizes differ little here; (a) across `BATCHES` shows the module's own cliff.
fn batch_sizes(c: &mut Criterion) {
    let f = fixture();
    let text = ndjson(&f.lines[..RECORDS]);
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(RECORDS as u64));
    for kib in [32usize, 64, 128, 256, 512, 1024] {
        let limits = Limits { batch_records: usize::MAX, batch_bytes: kib << 10, ..Limits::default() };
        let policy = Runtime::new(limits).unwrap().load(&f.wasm).unwrap();
        let mut evaluator = policy.evaluator().unwrap();
        let mut out = String::with_capacity(text.len());
        group.bench_function(BenchmarkId::new("e_end_to_end", format!("{kib}KiB")), |b| {
            b.iter(|| {
                out.clear();
                black_box(evaluator.evaluate_ndjson(black_box(&text), 1, &mut out).unwrap())
            });
        });
    }
    group.finish();
}

/// The policy of (j): the seats of each of a list of SKUs, looked up in a map of seats per SKU
/// (absent SKUs count 0), and the number of SKUs present.
const MAP_POLICY: &str = r#"policy map_bench
record Tenant { id: string, seats: map of string to int, wanted: list of string }
record Out { seats: int, present: int }
input Tenant key id
output Out { seats: sum k in wanted: seats[k] ?? 0, present: count k in wanted where k in seats }
"#;

/// One tenant with a map of 1,000 SKUs (`sku-0000` to `sku-1998`, even numbers, written in a
/// scrambled order, each with its number of seats) and a list of 1,000 SKUs to look up
/// (`sku-0000` to `sku-0999`: every other one present).
fn map_tenant() -> String {
    let seats: Vec<String> = (0..1000).map(|i| i * 7919 % 1000).map(|k| format!(r#""sku-{:04}":{k}"#, 2 * k)).collect();
    let wanted: Vec<String> = (0..1000).map(|k| format!(r#""sku-{k:04}""#)).collect();
    format!(r#"{{"id":"t","seats":{{{}}},"wanted":[{}]}}"#, seats.join(","), wanted.join(","))
}

/// (j) `map/j_wasm_lookup/1000`: the module deciding one pre-loaded record that looks up 1,000
/// keys (`seats[k] ?? 0` and `k in seats`, each a binary search over 1,000 sorted entries, half
/// of them misses), plus the fixed cost of one `Evaluator::run`. `map/j_interp_lookup/1000`:
/// the reference interpreter on the same record (a linear search: the specification, not a
/// fast path). `map/j_encode/1000`: the batch encoder reading the record's JSON, which sorts
/// the 1,000 entries and checks their keys for duplicates. Throughput is in lookups (or
/// entries, for the encoder).
fn map_lookup(c: &mut Criterion) {
    let line = map_tenant();
    let mut group = c.benchmark_group("map");
    group.throughput(Throughput::Elements(1000));
    let compiled = dexp_compiler::compile(MAP_POLICY).unwrap();
    let policy = Policy::load(&compiled.wasm).unwrap();
    let mut batch = BatchEncoder::new(policy.shape().clone());
    batch.push_json(&line).unwrap();
    let mut evaluator = policy.evaluator().unwrap();
    evaluator.load(&batch).unwrap();
    let mut out = String::new();
    evaluator.run().unwrap().write_json(0, &mut out).unwrap().unwrap();
    // Present: the even SKUs below 1,000, whose seats are their halves: 0 + 1 + ... + 499.
    assert_eq!(out, r#"{"seats":124750,"present":500}"#, "the module looks every key up");
    group.bench_function(BenchmarkId::new("j_wasm_lookup", 1000), |b| {
        b.iter(|| black_box(evaluator.run().unwrap().len()));
    });
    let value = json::decode_input(&compiled.program.schema, &line).unwrap();
    group.bench_function(BenchmarkId::new("j_interp_lookup", 1000), |b| {
        b.iter(|| black_box(interp::evaluate(&compiled.program, black_box(&value)).unwrap()));
    });
    group.bench_function(BenchmarkId::new("j_encode", 1000), |b| {
        b.iter(|| {
            batch.clear();
            batch.push_json(black_box(&line)).unwrap();
            black_box(batch.len())
        });
    });
    group.finish();
}

const DECIMAL_POLICY: &str = r#"policy decimal_bench
record Line { price: decimal, rate: decimal }
record Invoice { id: string, lines: list of Line }
record Out { product: decimal, quotient: decimal }
input Invoice key id
output Out { product: sum l in lines: l.price * l.rate, quotient: sum l in lines: l.price / l.rate }
"#;

/// (k) `decimal/k_wasm_mul_div/1000`: the module deciding one pre-loaded record with 1,000
/// lines, each multiplied and divided once (`price * rate`, `price / rate`: 2,000 calls of the
/// 128-bit helpers, each a 64-step division), plus the fixed cost of one `Evaluator::run`.
/// `decimal/k_interp_mul_div/1000`: the reference interpreter (`i128`) on the same record.
/// Throughput is in lines.
fn decimal_mul_div(c: &mut Criterion) {
    let lines: Vec<String> = (1..=1000)
        .map(|i| {
            format!(r#"{{"price":{}.{:02},"rate":{}.{:06}}}"#, i * 37 % 5000, i % 100, i % 3 + 1, i * 7919 % 1_000_000)
        })
        .collect();
    let line = format!(r#"{{"id":"t","lines":[{}]}}"#, lines.join(","));
    let mut group = c.benchmark_group("decimal");
    group.throughput(Throughput::Elements(1000));
    let compiled = dexp_compiler::compile(DECIMAL_POLICY).unwrap();
    let policy = Policy::load(&compiled.wasm).unwrap();
    let mut batch = BatchEncoder::new(policy.shape().clone());
    batch.push_json(&line).unwrap();
    let mut evaluator = policy.evaluator().unwrap();
    evaluator.load(&batch).unwrap();
    let mut out = String::new();
    evaluator.run().unwrap().write_json(0, &mut out).unwrap().unwrap();
    let value = json::decode_input(&compiled.program.schema, &line).unwrap();
    let mut reference = String::new();
    let decided = interp::evaluate(&compiled.program, &value).unwrap();
    json::write_value(&mut reference, &compiled.program.schema, &Ty::Record(compiled.program.schema.output), &decided);
    assert_eq!(out, reference, "the module and the interpreter agree");
    group.bench_function(BenchmarkId::new("k_wasm_mul_div", 1000), |b| {
        b.iter(|| black_box(evaluator.run().unwrap().len()));
    });
    group.bench_function(BenchmarkId::new("k_interp_mul_div", 1000), |b| {
        b.iter(|| black_box(interp::evaluate(&compiled.program, black_box(&value)).unwrap()));
    });
    group.finish();
}

/// Reads every leaf of a decision record through the view; returns how many it read.
fn read_record(view: &DecisionView<'_>, r: u32, schema: &Schema) -> u64 {
    let fields = &schema.record(r).unwrap().fields;
    fields.iter().map(|f| read_field(view.get(&f.name).unwrap(), &f.ty, schema)).sum()
}

fn read_field(view: FieldView<'_>, ty: &Ty, schema: &Schema) -> u64 {
    match ty {
        Ty::Bool => u64::from(black_box(view.bool().unwrap())),
        Ty::Int => black_box(view.int().unwrap()) as u64,
        Ty::Decimal => black_box(view.decimal().unwrap()) as u64,
        Ty::Date => black_box(view.date().unwrap()) as u64,
        Ty::String | Ty::Enum(_) => black_box(view.str().unwrap()).len() as u64,
        Ty::Codes(_) => view.codes().unwrap().map(|c| black_box(c).len() as u64).sum(),
        Ty::Optional(inner) => view.optional().unwrap().map_or(0, |v| read_field(v, inner, schema)),
        Ty::List(elem) => view.list().unwrap().iter().map(|v| read_field(v, elem, schema)).sum(),
        Ty::Record(r) => read_record(&view.record().unwrap(), *r, schema),
        Ty::Map(_) | Ty::Entry(_) => unreachable!("the reference decision has no map"),
    }
}

criterion_group!(
    benches,
    wasm_and_handwritten,
    fresh_batches,
    interpreter,
    ndjson_pipeline,
    arrow_pipeline,
    compile_and_load,
    distinct_count,
    typed_api,
    map_lookup,
    batch_sizes,
    decimal_mul_div
);
criterion_main!(benches);
