//! The interpreter's date and arithmetic rules, checked through small policies: quarter
//! boundaries, leap years, day arithmetic at the edges of the calendar, and checked integer
//! arithmetic that turns overflow into a per-record error naming the expression.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use dexp_runtime::json;

const POLICY: &str = r#"policy arith
record In { id: string, d: date, n: int, m: int, e: date? }
record Out {
    year: int, quarter: int, month: int, day: int,
    plus: date, minus: date, since_2024: int,
    sum: int, difference: int, product: int, quotient: int, negated: int,
    fallback: date, present: bool, first_quarter: bool,
}
input In key id
output Out {
    year: d.year, quarter: d.quarter, month: d.month, day: d.day,
    plus: d + n days, minus: d - m days, since_2024: d - date("2024-01-01"),
    sum: n + m, difference: n - m, product: n * m, quotient: n / m, negated: -n,
    fallback: e ?? d, present: present(e), first_quarter: d.quarter == 1,
}
"#;

fn program() -> Program {
    crate::frontend(POLICY).map(|f| f.program).expect("policy compiles")
}

/// Evaluates one record given as JSON; returns the decision as JSON or the failure.
fn run(program: &Program, record: &str) -> Result<serde_json::Value, (String, Failure)> {
    let value = json::decode_input(&program.schema, record).expect("record decodes");
    match evaluate(program, &value) {
        Ok(decision) => {
            let mut out = String::new();
            json::write_value(&mut out, &program.schema, &Ty::Record(program.schema.output), &decision);
            Ok(serde_json::from_str(&out).expect("valid JSON"))
        }
        Err(e) => Err((program.sites[e.site as usize].what.clone(), e.failure)),
    }
}

fn record(d: &str, n: i64, m: i64) -> String {
    format!(r#"{{"id":"x","d":"{d}","n":{n},"m":{m}}}"#)
}

#[test]
fn quarters_turn_on_the_first_day_of_each_quarter() {
    let p = program();
    for (day, quarter) in [
        ("2025-01-01", 1),
        ("2025-03-31", 1),
        ("2025-04-01", 2),
        ("2025-06-30", 2),
        ("2025-07-01", 3),
        ("2025-09-30", 3),
        ("2025-10-01", 4),
        ("2025-12-31", 4),
    ] {
        let out = run(&p, &record(day, 1, 1)).unwrap();
        assert_eq!(out["quarter"], quarter, "{day}");
        assert_eq!(out["first_quarter"], quarter == 1, "{day}");
    }
}

#[test]
fn day_arithmetic_knows_leap_years() {
    let p = program();
    let out = run(&p, &record("2024-02-28", 1, 1)).unwrap();
    assert_eq!(out["plus"], "2024-02-29");
    assert_eq!(out["minus"], "2024-02-27");
    let out = run(&p, &record("2023-02-28", 1, 365)).unwrap();
    assert_eq!(out["plus"], "2023-03-01");
    assert_eq!(out["minus"], "2022-02-28");
    let out = run(&p, &record("2100-02-28", 1, 1)).unwrap();
    assert_eq!(out["plus"], "2100-03-01", "2100 is not a leap year");
    let out = run(&p, &record("2000-02-28", 1, 1)).unwrap();
    assert_eq!(out["plus"], "2000-02-29", "2000 is a leap year");
    let out = run(&p, &record("2024-12-31", 0, 1)).unwrap();
    assert_eq!((out["year"].clone(), out["month"].clone(), out["day"].clone()), (2024.into(), 12.into(), 31.into()));
    assert_eq!(out["since_2024"], 365);
}

#[test]
fn dates_leaving_the_calendar_fail_the_record() {
    let p = program();
    assert_eq!(run(&p, &record("9999-12-31", 1, 0)).unwrap_err(), ("date arithmetic".into(), Failure::DateRange));
    assert_eq!(run(&p, &record("0001-01-01", 0, 1)).unwrap_err(), ("date arithmetic".into(), Failure::DateRange));
    assert_eq!(
        run(&p, &record("2025-01-01", i64::MAX, 1)).unwrap_err(),
        ("date arithmetic".into(), Failure::DateRange),
        "a huge day count is out of range, not wrapped"
    );
}

#[test]
fn integer_overflow_fails_the_record_at_its_expression() {
    let p = program();
    assert_eq!(run(&p, &record("2025-01-01", 0, i64::MIN)).unwrap_err().1, Failure::DateRange);
    assert_eq!(run(&p, &record("2025-01-01", i64::MAX, 0)).unwrap_err().1, Failure::DateRange);
    let big = r#"{"id":"x","d":"2025-01-01","n":9223372036854775807,"m":1}"#;
    // `n days` overflows the calendar first, in evaluation order.
    assert_eq!(run(&p, big).unwrap_err().1, Failure::DateRange);
}

#[test]
fn checked_arithmetic_reports_overflow_and_division_by_zero() {
    const ARITH: &str = r#"policy a
record In { id: string, n: int, m: int }
record Out { r: int }
input In key id
output Out { r: (n + m) + (n - m) + (n * m) - (n * m) + (n / m) - (n / m) + -n + n }
"#;
    let p = crate::frontend(ARITH).unwrap().program;
    let rec = |n: i64, m: i64| format!(r#"{{"id":"x","n":{n},"m":{m}}}"#);
    assert_eq!(run(&p, &rec(7, 2)).unwrap()["r"], 14);
    assert_eq!(run(&p, &rec(i64::MAX, 1)).unwrap_err(), ("`+`".into(), Failure::Overflow));
    assert_eq!(run(&p, &rec(i64::MIN, 1)).unwrap_err(), ("`-`".into(), Failure::Overflow));
    assert_eq!(run(&p, &rec(1 << 61, 8)).unwrap_err(), ("`*`".into(), Failure::Overflow));
    assert_eq!(run(&p, &rec(5, 0)).unwrap_err(), ("`/`".into(), Failure::DivisionByZero));
    assert_eq!(run(&p, &rec(i64::MIN, -1)).unwrap_err().1, Failure::Overflow);
}

#[test]
fn optional_defaults_and_presence() {
    let p = program();
    let with = r#"{"id":"x","d":"2025-05-05","n":1,"m":1,"e":"2020-01-02"}"#;
    let out = run(&p, with).unwrap();
    assert_eq!(out["fallback"], "2020-01-02");
    assert_eq!(out["present"], true);
    let null = r#"{"id":"x","d":"2025-05-05","n":1,"m":1,"e":null}"#;
    let out = run(&p, null).unwrap();
    assert_eq!(out["fallback"], "2025-05-05");
    assert_eq!(out["present"], false);
    assert_eq!(run(&p, &record("2025-05-05", 1, 1)).unwrap()["present"], false, "absent is like null");
}

#[test]
fn sums_overflow_but_counts_do_not() {
    const SUMS: &str = r#"policy s
record Item { v: int, keep: bool }
record In { id: string, items: list of Item }
record Out { total: int, kept: int, best: int, all_kept: bool, any_kept: bool }
input In key id
output Out {
    total: sum i in items where i.keep: i.v,
    kept: count i in items where i.keep,
    best: max i in items where i.keep: i.v else -1,
    all_kept: all i in items: i.keep,
    any_kept: any i in items: i.keep,
}
"#;
    let p = crate::frontend(SUMS).unwrap().program;
    let out = run(&p, r#"{"id":"x","items":[{"v":3,"keep":true},{"v":9,"keep":false},{"v":5,"keep":true}]}"#).unwrap();
    assert_eq!(out, serde_json::json!({"total":8,"kept":2,"best":5,"all_kept":false,"any_kept":true}));
    let out = run(&p, r#"{"id":"x","items":[]}"#).unwrap();
    assert_eq!(out, serde_json::json!({"total":0,"kept":0,"best":-1,"all_kept":true,"any_kept":false}));
    let huge = r#"{"id":"x","items":[{"v":9223372036854775807,"keep":true},{"v":1,"keep":true}]}"#;
    assert_eq!(run(&p, huge).unwrap_err(), ("`sum`".into(), Failure::Overflow));
}

#[test]
fn if_guarded_definitions_cannot_fail_records_that_do_not_need_them() {
    const LAZY: &str = r#"policy l
record In { id: string, n: int, safe: bool }
record Out { r: int }
input In key id
let risky = n + 1
output Out { r: if safe then 0 else risky }
"#;
    let p = crate::frontend(LAZY).unwrap().program;
    assert_eq!(run(&p, r#"{"id":"x","n":9223372036854775807,"safe":true}"#).unwrap()["r"], 0);
    assert_eq!(run(&p, r#"{"id":"x","n":9223372036854775807,"safe":false}"#).unwrap_err().1, Failure::Overflow);
}
