//! Unit tests of the suggestion search on a small policy with every simple form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;

const POLICY: &str = r#"policy p
enum Mode { active, passive, off }
record Entry { mode: Mode, licensed: bool }
record Server { plan: int, protected: bool }
record Users { total: int, licensed: int, enabled: bool }
record In { id: string, users: Users, entries: list of Entry, servers: list of Server, region: string }
record Out { ok: bool, reasons: codes(req), more: codes(other) }
input In key id
requirements req {
    not_all_licensed "every user must be licensed": users.licensed >= users.total
    not_enabled "licensing must be enabled": users.enabled
    no_active "an entry must be licensed and active": any e in entries: e.licensed and e.mode == active
    unprotected "every server must be protected": all s in servers: s.protected
    region "the region must be eu": region == "eu"
}
requirements other {
    req_failed "the first group must pass": req.ok
}
output Out { ok: req.ok, reasons: req, more: other }
"#;

fn setup(record: &str) -> (Program, Value) {
    let program = crate::frontend(POLICY).unwrap().program;
    let value = json::decode_input(&program.schema, record).unwrap();
    (program, value)
}

fn texts(program: &Program, input: &Value, group: u32, rule: u32) -> Vec<String> {
    let found = suggest(program, input, group, rule);
    for s in &found {
        assert!(verify(program, input, group, rule, s), "{}", s.render(&program.schema));
    }
    found.iter().map(|s| s.render(&program.schema)).collect()
}

const GOOD: &str = r#"{"id":"a","users":{"total":1200,"licensed":1200,"enabled":true},"entries":[{"mode":"active","licensed":true}],"servers":[],"region":"eu"}"#;

#[test]
fn a_number_moves_exactly_to_the_bound() {
    let (p, v) = setup(&GOOD.replace("\"licensed\":1200", "\"licensed\":1180"));
    let t = texts(&p, &v, 0, 0);
    assert_eq!(t, ["users.total 1200 → 1180", "users.licensed 1180 → 1200"]);
}

#[test]
fn a_boolean_flips_and_a_string_takes_the_constant() {
    let (p, v) = setup(&GOOD.replace("\"enabled\":true", "\"enabled\":false").replace("\"eu\"", "\"us\""));
    assert_eq!(texts(&p, &v, 0, 1), ["users.enabled false → true"]);
    assert_eq!(texts(&p, &v, 0, 4), ["region \"us\" → \"eu\""]);
}

#[test]
fn one_element_is_fixed_or_an_element_is_added() {
    let (p, v) = setup(&GOOD.replace(
        r#"[{"mode":"active","licensed":true}]"#,
        r#"[{"mode":"off","licensed":false},{"mode":"passive","licensed":true}]"#,
    ));
    assert_eq!(texts(&p, &v, 0, 2), ["entries[1].mode passive → active"]);
    let (p, v) = setup(&GOOD.replace(r#"[{"mode":"active","licensed":true}]"#, "[]"));
    assert_eq!(texts(&p, &v, 0, 2), ["add to entries {\"mode\":\"active\",\"licensed\":true}"]);
}

#[test]
fn the_elements_that_break_an_all_are_removed_or_fixed() {
    let servers = r#"[{"plan":1,"protected":false},{"plan":2,"protected":true},{"plan":3,"protected":false}]"#;
    let (p, v) = setup(&GOOD.replace("\"servers\":[]", &format!("\"servers\":{servers}")));
    let t = texts(&p, &v, 0, 3);
    assert!(t.contains(&"remove servers[2], remove servers[0]".to_string()), "{t:?}");
    assert!(t.contains(&"servers[0].protected false → true, servers[2].protected false → true".to_string()), "{t:?}");
}

#[test]
fn a_rule_on_another_group_gets_the_fixes_of_that_group_together() {
    let (p, v) = setup(&GOOD.replace("\"enabled\":true", "\"enabled\":false").replace("\"eu\"", "\"us\""));
    assert_eq!(texts(&p, &v, 1, 0), ["users.enabled false → true, region \"us\" → \"eu\""]);
}

#[test]
fn a_rule_that_holds_has_no_suggestion() {
    let (p, v) = setup(GOOD);
    assert!(suggest(&p, &v, 0, 0).is_empty());
}
