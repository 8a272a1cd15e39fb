// The command line the extension builds starts a real `dfanalyze server`, which answers over stdio
// with the protocol library VS Code's client uses (vscode-jsonrpc): initialize, a Dockerfile opened,
// its diagnostics published, shutdown and exit. The program is $DFANALYZE_PATH (CI sets it to the
// virtual environment's), else `dfanalyze` on PATH.

import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from "vscode-jsonrpc/node";
import { serverCommand } from "../settings";

test("dfanalyze server answers the client over stdio", { timeout: 120_000 }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "dfanalyze-vscode-"));
  fs.mkdirSync(path.join(folder, ".git"));
  const dockerfile = path.join(folder, "Dockerfile");
  const text = "from alpine:3.20\nCMD echo hi\n";
  fs.writeFileSync(dockerfile, text);
  const { command, args } = serverCommand({ path: process.env.DFANALYZE_PATH ?? "dfanalyze", args: [] }, folder);
  const server = spawn(command, args, { cwd: folder, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => server.on("exit", resolve));
  const connection = createMessageConnection(
    new StreamMessageReader(server.stdout),
    new StreamMessageWriter(server.stdin),
  );
  const uri = `file://${dockerfile}`;
  const published = new Promise<{ uri: string; diagnostics: Array<{ code: string; source: string }> }>(
    (resolve) => connection.onNotification("textDocument/publishDiagnostics", resolve),
  );
  connection.onRequest("client/registerCapability", () => null);
  connection.listen();
  const initialized = (await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: `file://${folder}`,
    capabilities: {},
  })) as { capabilities: Record<string, unknown>; serverInfo: { name: string } };
  assert.equal(initialized.serverInfo.name, "dfanalyze");
  for (const provider of ["hoverProvider", "codeActionProvider", "inlayHintProvider", "completionProvider"]) {
    assert.ok(initialized.capabilities[provider], provider);
  }
  await connection.sendNotification("initialized", {});
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "dockerfile", version: 1, text },
  });
  const diagnostics = await published;
  assert.equal(diagnostics.uri, uri);
  const codes = diagnostics.diagnostics.map((d) => d.code);
  assert.ok(codes.includes("DF704"), codes.join(", "));
  assert.ok(codes.includes("DF200"), codes.join(", "));
  assert.ok(diagnostics.diagnostics.every((d) => d.source === "dfanalyze"));
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  assert.equal(await exited, 0);
  connection.dispose();
  fs.rmSync(folder, { recursive: true, force: true });
});
