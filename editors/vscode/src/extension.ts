// The VS Code extension: starts `dfanalyze server` (from the `dfanalyze.path` setting) for Dockerfiles
// and connects VS Code to it. Diagnostics, quick fixes, hovers, inlay hints, symbols, navigation and
// completion all come from the server; this file only launches, restarts and stops it.

import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { readSettings, serverCommand } from "./settings";

export const SECTION = "dfanalyze";
export const RESTART_COMMAND = "dfanalyze.restart";

let client: LanguageClient | undefined;

function firstFolder(): string | undefined {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

/** A client for the server the settings name (not started). */
export function makeClient(output: vscode.OutputChannel): LanguageClient {
  const configuration = vscode.workspace.getConfiguration(SECTION);
  const { command, args } = serverCommand(readSettings((key) => configuration.get(key)), firstFolder());
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "dockerfile" },
      { scheme: "untitled", language: "dockerfile" },
    ],
    outputChannel: output,
    traceOutputChannel: output,
  };
  return new LanguageClient(SECTION, "dfanalyze", serverOptions, clientOptions);
}

async function start(output: vscode.OutputChannel): Promise<void> {
  try {
    client = makeClient(output);
    await client.start();
  } catch (error) {
    client = undefined;
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`dfanalyze: the language server did not start: ${message}`);
    void vscode.window.showErrorMessage(
      `dfanalyze: the language server did not start (${message}). Install it with ` +
        "`pip install 'dfanalyze[lsp]'` or set `dfanalyze.path`.",
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}

export async function restart(output: vscode.OutputChannel): Promise<void> {
  await stop();
  await start(output);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("dfanalyze");
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand(RESTART_COMMAND, () => restart(output)));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.path`) || event.affectsConfiguration(`${SECTION}.args`)) {
        void restart(output);
      }
    }),
  );
  await start(output);
}

export async function deactivate(): Promise<void> {
  await stop();
}

/** The running client, for the tests. */
export function currentClient(): LanguageClient | undefined {
  return client;
}
