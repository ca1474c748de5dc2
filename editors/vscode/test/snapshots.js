// Grammar snapshot tests: copies the repository's policies into test/cases/ and checks the
// TextMate grammar's scopes for every line against the committed `.snap` files beside them,
// with vscode-tmgrammar-test. `npm run snap:update` rewrites the snapshots after an intended
// change to the grammar or to a policy; review the diff.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..", "..", "..");
const cases = path.join(__dirname, "cases");
for (const name of fs.readdirSync(path.join(root, "policies"))) {
  if (name.endsWith(".dexp")) {
    fs.copyFileSync(path.join(root, "policies", name), path.join(cases, name));
  }
}
const bin = path.join(__dirname, "..", "node_modules", ".bin", "vscode-tmgrammar-snap");
const args = ["--config", "package.json", "test/cases/*.dexp"];
if (process.argv.includes("--update")) {
  args.unshift("--updateSnapshot");
}
const result = spawnSync(bin, args, { cwd: path.join(__dirname, ".."), stdio: "inherit" });
process.exit(result.status === null ? 1 : result.status);
