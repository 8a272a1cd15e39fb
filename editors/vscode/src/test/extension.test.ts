import { strict as assert } from "node:assert";
import { beforeEach, test } from "node:test";
import { install, reset, state } from "./fakes";

install();
// Loaded after install(): the extension's `vscode` and languageclient imports get the fakes.
import * as extension from "../extension";

function context(): { subscriptions: Array<{ dispose(): unknown }> } {
  return { subscriptions: [] };
}

beforeEach(async () => {
  await extension.deactivate();
  reset();
});

test("activation starts `dfanalyze server` over stdio for Dockerfiles", async () => {
  await extension.activate(context() as never);
  assert.equal(state.clients.length, 1);
  const [client] = state.clients;
  assert.equal(client.started, 1);
  assert.deepEqual(client.serverOptions.run, { command: "dfanalyze", args: ["server"], transport: 0 });
  assert.deepEqual(
    client.clientOptions.documentSelector.map((s: { language: string }) => s.language),
    ["dockerfile", "dockerfile"],
  );
});

test("the configured path is launched, with ${workspaceFolder} expanded", async () => {
  state.folders = ["/work/project"];
  state.settings.set("dfanalyze.path", "${workspaceFolder}/.venv/bin/dfanalyze");
  state.settings.set("dfanalyze.args", ["--log-file", "/tmp/lsp.log"]);
  await extension.activate(context() as never);
  assert.deepEqual(state.clients[0].serverOptions.run, {
    command: "/work/project/.venv/bin/dfanalyze",
    args: ["server", "--log-file", "/tmp/lsp.log"],
    transport: 0,
  });
});

test("changing dfanalyze.path restarts the server with the new path; other settings do not", async () => {
  await extension.activate(context() as never);
  state.settings.set("dfanalyze.path", "/opt/dfanalyze/bin/dfanalyze");
  for (const listener of state.configurationListeners) {
    listener({ affectsConfiguration: (section: string) => section === "editor.fontSize" });
  }
  assert.equal(state.clients.length, 1);
  for (const listener of state.configurationListeners) {
    listener({ affectsConfiguration: (section: string) => section === "dfanalyze.path" });
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(state.clients.length, 2);
  assert.equal(state.clients[0].stopped, 1);
  assert.equal(state.clients[1].serverOptions.run.command, "/opt/dfanalyze/bin/dfanalyze");
  assert.equal(state.clients[1].started, 1);
});

test("the restart command stops the running server and starts a new one", async () => {
  await extension.activate(context() as never);
  const restart = state.commands.get(extension.RESTART_COMMAND);
  assert.ok(restart);
  await restart();
  assert.equal(state.clients.length, 2);
  assert.deepEqual(
    state.clients.map((c) => [c.started, c.stopped]),
    [
      [1, 1],
      [1, 0],
    ],
  );
  await extension.deactivate();
  assert.equal(state.clients[1].stopped, 1);
});

test("a server that cannot start is reported with how to install it", async () => {
  state.failStart = "spawn dfanalyze ENOENT";
  await extension.activate(context() as never);
  assert.equal(extension.currentClient(), undefined);
  assert.equal(state.errors.length, 1);
  assert.match(state.errors[0], /spawn dfanalyze ENOENT/);
  assert.match(state.errors[0], /pip install 'dfanalyze\[lsp\]'/);
  assert.match(state.output.join("\n"), /did not start/);
});
