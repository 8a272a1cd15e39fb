// What to start: the dfanalyze program from the settings, as a command line. No `vscode` import here,
// so that it is tested under plain node.

import * as os from "os";
import * as path from "path";

export interface Settings {
  /** `dfanalyze.path`: a program name found on PATH, or a path (`${workspaceFolder}` and `~` expanded). */
  path: string;
  /** `dfanalyze.args`: extra arguments of `dfanalyze server`. */
  args: string[];
}

export interface ServerCommand {
  command: string;
  args: string[];
}

export const DEFAULT_SETTINGS: Settings = { path: "dfanalyze", args: [] };

/** `~` and `${workspaceFolder}` (the first folder of the workspace) expanded in `value`. */
export function expand(value: string, workspaceFolder: string | undefined, home: string = os.homedir()): string {
  let result = value.trim();
  if (result === "~" || result.startsWith("~/")) {
    result = path.join(home, result.slice(1));
  }
  if (result.includes("${workspaceFolder}")) {
    if (workspaceFolder === undefined) {
      throw new Error(`dfanalyze.path uses \${workspaceFolder} but no folder is open: ${value}`);
    }
    result = result.split("${workspaceFolder}").join(workspaceFolder);
  }
  return result;
}

/** The command line that starts the language server: `<path> server <args...>`. */
export function serverCommand(settings: Settings, workspaceFolder: string | undefined): ServerCommand {
  const program = expand(settings.path || DEFAULT_SETTINGS.path, workspaceFolder);
  if (program === "") {
    throw new Error("dfanalyze.path is empty");
  }
  const extra = (settings.args ?? []).map((arg) => expand(String(arg), workspaceFolder));
  return { command: program, args: ["server", ...extra] };
}

/** The settings as read from VS Code's configuration (values of the wrong type fall back). */
export function readSettings(get: (key: string) => unknown): Settings {
  const pathValue = get("path");
  const argsValue = get("args");
  return {
    path: typeof pathValue === "string" && pathValue.trim() !== "" ? pathValue : DEFAULT_SETTINGS.path,
    args: Array.isArray(argsValue) ? argsValue.map((a) => String(a)) : [],
  };
}
