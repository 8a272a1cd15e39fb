import { strict as assert } from "node:assert";
import { test } from "node:test";
import { expand, readSettings, serverCommand } from "../settings";

test("the default starts `dfanalyze server` from PATH", () => {
  assert.deepEqual(serverCommand(readSettings(() => undefined), undefined), {
    command: "dfanalyze",
    args: ["server"],
  });
});

test("${workspaceFolder} and ~ are expanded in the path and the arguments", () => {
  const settings = { path: "${workspaceFolder}/.venv/bin/dfanalyze", args: ["--log-file", "~/dfanalyze.log"] };
  const command = serverCommand(settings, "/work/project");
  assert.equal(command.command, "/work/project/.venv/bin/dfanalyze");
  assert.equal(command.args[0], "server");
  assert.equal(command.args[1], "--log-file");
  assert.match(command.args[2], /^\/.*\/dfanalyze\.log$/);
  assert.equal(expand("~/bin/dfanalyze", undefined, "/home/me"), "/home/me/bin/dfanalyze");
  assert.equal(expand("  /opt/dfanalyze  ", undefined), "/opt/dfanalyze");
});

test("${workspaceFolder} without an open folder is an error that names the setting", () => {
  assert.throws(() => serverCommand({ path: "${workspaceFolder}/dfanalyze", args: [] }, undefined), /dfanalyze\.path/);
});

test("settings of the wrong type fall back to the defaults", () => {
  const values: Record<string, unknown> = { path: 42, args: "--log-file x" };
  assert.deepEqual(readSettings((key) => values[key]), { path: "dfanalyze", args: [] });
  const blank: Record<string, unknown> = { path: "   ", args: ["a", 1] };
  assert.deepEqual(readSettings((key) => blank[key]), { path: "dfanalyze", args: ["a", "1"] });
});
