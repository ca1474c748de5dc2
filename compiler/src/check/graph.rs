//! The third pass: the use graph of definitions, functions and groups. Reports recursion
//! (every cycle, with its path) and unused definitions, and gives the evaluation order.
//!
//! The walk is iterative, so a long chain of definitions cannot exhaust the stack.

use super::*;

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    New,
    Active,
    Done,
}

/// Analyses the use graph; returns the reachable definitions and groups in evaluation order.
pub(super) fn analyse(cx: &mut Cx) -> Vec<ir::Node> {
    let mut nodes: Vec<Node> = Vec::new();
    nodes.extend((0..cx.defs.len() as u32).map(Node::Def));
    nodes.extend((0..cx.fns.len() as u32).map(Node::Fn));
    nodes.extend((0..cx.groups.len() as u32).map(Node::Group));
    let mut marks: HashMap<Node, Mark> = nodes.iter().map(|n| (*n, Mark::New)).collect();
    marks.insert(Node::Output, Mark::New);
    let mut order = Vec::new();
    let mut reported: Vec<Node> = Vec::new();
    // Walk from the output first, so that the order lists exactly what the output needs.
    let roots: Vec<Node> = std::iter::once(Node::Output).chain(nodes.iter().copied()).collect();
    let mut reachable_count = None;
    for root in roots {
        if marks.get(&root) != Some(&Mark::New) {
            continue;
        }
        dfs(cx, root, &mut marks, &mut order, &mut reported);
        if root == Node::Output {
            reachable_count = Some(order.len());
        }
    }
    let reachable: Vec<Node> = order.iter().take(reachable_count.unwrap_or(0)).copied().collect();
    for node in &nodes {
        if !reachable.contains(node) {
            if let Some((name, span)) = node_name(cx, *node) {
                cx.errors.push(CheckError::Unused { name, span });
            }
        }
    }
    reachable
        .into_iter()
        .filter_map(|n| match n {
            Node::Def(d) => Some(ir::Node::Def(d)),
            Node::Group(g) => Some(ir::Node::Group(g)),
            _ => None,
        })
        .collect()
}

/// Post-order depth-first walk; reports each cycle once, at the node that closes it.
fn dfs(cx: &mut Cx, root: Node, marks: &mut HashMap<Node, Mark>, order: &mut Vec<Node>, reported: &mut Vec<Node>) {
    let mut stack: Vec<(Node, usize)> = vec![(root, 0)];
    marks.insert(root, Mark::Active);
    while let Some((node, next)) = stack.last().copied() {
        let child = cx.edges.get(&node).and_then(|e| e.get(next)).copied();
        match child {
            Some(child) => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match marks.get(&child).copied().unwrap_or(Mark::Done) {
                    Mark::New => {
                        marks.insert(child, Mark::Active);
                        stack.push((child, 0));
                    }
                    Mark::Active => {
                        let start = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let cycle: Vec<Node> = stack.iter().skip(start).map(|(n, _)| *n).collect();
                        if !cycle.iter().any(|n| reported.contains(n)) {
                            reported.extend(cycle.iter().copied());
                            report_cycle(cx, &cycle);
                        }
                    }
                    Mark::Done => {}
                }
            }
            None => {
                stack.pop();
                marks.insert(node, Mark::Done);
                order.push(node);
            }
        }
    }
}

fn report_cycle(cx: &mut Cx, cycle: &[Node]) {
    let names: Vec<String> = cycle.iter().filter_map(|n| node_name(cx, *n).map(|(name, _)| name)).collect();
    let Some((first, span)) = cycle.first().and_then(|n| node_name(cx, *n)) else {
        return;
    };
    let mut path = names.join(" -> ");
    path.push_str(" -> ");
    path.push_str(&first);
    cx.errors.push(CheckError::Recursion { name: first, cycle: path, span });
}

fn node_name(cx: &Cx, node: Node) -> Option<(String, Span)> {
    match node {
        Node::Def(d) => cx.defs.get(d as usize).map(|d| (d.name.text.clone(), d.name.span)),
        Node::Fn(f) => cx.fns.get(f as usize).map(|f| (f.name.text.clone(), f.name.span)),
        Node::Group(g) => cx.groups.get(g as usize).map(|g| (g.name.text.clone(), g.name.span)),
        Node::Output => None,
    }
}
