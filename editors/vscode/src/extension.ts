// The dexp extension: starts `dexpc lsp` (the binary named by the `dexp.server.path` setting)
// for `.dexp` files and hands it to VS Code's language client. Every editor feature comes from
// the server; this file only starts it.

import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("dexp");
  const command = config.get<string>("server.path") || "dexpc";
  const docs = config.get<string>("diagnosticsDocs");
  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "dexp" }, { scheme: "untitled", language: "dexp" }],
    initializationOptions: docs ? { diagnosticsDocs: docs } : {},
  };
  client = new LanguageClient("dexp", "dexp language server", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("dexp") && client) {
        await client.restart();
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `dexp: could not start \`${command} lsp\` (set dexp.server.path to the dexpc binary): ${error}`,
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
