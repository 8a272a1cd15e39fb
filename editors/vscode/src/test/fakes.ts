// Stand-ins for the `vscode` module and for vscode-languageclient's LanguageClient, which exist only
// inside VS Code (VS Code cannot run on a machine without a display). `install()` makes
// `require("vscode")` and `require("vscode-languageclient/node")` return them; each test reads what
// the extension did with them.

import Module = require("module");

export interface FakeClientRecord {
  id: string;
  name: string;
  serverOptions: any;
  clientOptions: any;
  started: number;
  stopped: number;
}

export const state = {
  settings: new Map<string, unknown>(),
  folders: [] as string[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  configurationListeners: [] as Array<(event: { affectsConfiguration(section: string): boolean }) => void>,
  clients: [] as FakeClientRecord[],
  errors: [] as string[],
  output: [] as string[],
  failStart: undefined as string | undefined,
};

export function reset(): void {
  state.settings.clear();
  state.folders = [];
  state.commands.clear();
  state.configurationListeners = [];
  state.clients = [];
  state.errors = [];
  state.output = [];
  state.failStart = undefined;
}

const vscode = {
  workspace: {
    get workspaceFolders() {
      return state.folders.map((fsPath) => ({ uri: { fsPath } }));
    },
    getConfiguration(section: string) {
      return { get: (key: string) => state.settings.get(`${section}.${key}`) };
    },
    onDidChangeConfiguration(listener: (event: { affectsConfiguration(section: string): boolean }) => void) {
      state.configurationListeners.push(listener);
      return { dispose() {} };
    },
  },
  window: {
    createOutputChannel(_name: string) {
      return { appendLine: (line: string) => state.output.push(line), dispose() {} };
    },
    showErrorMessage(message: string) {
      state.errors.push(message);
      return Promise.resolve(undefined);
    },
  },
  commands: {
    registerCommand(name: string, run: (...args: unknown[]) => unknown) {
      state.commands.set(name, run);
      return { dispose() {} };
    },
  },
};

class LanguageClient {
  private readonly record: FakeClientRecord;

  constructor(id: string, name: string, serverOptions: any, clientOptions: any) {
    this.record = { id, name, serverOptions, clientOptions, started: 0, stopped: 0 };
    state.clients.push(this.record);
  }

  async start(): Promise<void> {
    if (state.failStart !== undefined) {
      throw new Error(state.failStart);
    }
    this.record.started += 1;
  }

  async stop(): Promise<void> {
    this.record.stopped += 1;
  }
}

const languageClient = { LanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };

let installed = false;

export function install(): void {
  if (installed) {
    return;
  }
  installed = true;
  const fakes: Record<string, unknown> = { vscode, "vscode-languageclient/node": languageClient };
  const moduleInternals = Module as unknown as {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
  };
  const load = moduleInternals._load;
  moduleInternals._load = function (request: string, parent: unknown, isMain: boolean) {
    return request in fakes ? fakes[request] : load.call(this, request, parent, isMain);
  };
}
