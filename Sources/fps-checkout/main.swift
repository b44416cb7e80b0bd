import Foundation

// fps-checkout: a terminal checkout console for phone-order desks on the Amazon FPS protocol.
// This file only picks the subcommand; each one lives in its own file.

let summary = "fps-checkout: take phone-order payments through Amazon FPS, or the embedded FPS sandbox."
let subcommands = """
Subcommands:
  (none)     Open the checkout console (embedded sandbox unless FPS_ENDPOINT is set).
  sandbox    Run the FPS sandbox server alone and print its URLs and demo credentials.
  info       Print where the config, themes, log, ledger and sandbox data live.
  reconcile  Resolve interrupted payment requests, then compare the ledger with the endpoint.
  keys       Print the console's key table as Markdown.

Scripting subcommands (need FPS_ENDPOINT or --endpoint; each has --help, --json and --trace):
  cbui-url       Build the signed CBUI URL for one payment.
  verify-return  Verify a CBUI return URI and print the token.
  pay, reserve   Charge or hold an amount on a token.
  settle         Capture a reserve.
  cancel         Cancel a Reserved or Pending transaction.
  refund         Refund a successful transaction.
  status         Print a transaction's status.
"""

let arguments = CommandLine.arguments.dropFirst()
let processEnvironment = ProcessInfo.processInfo.environment

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("fps-checkout: \(message)\n".utf8))
    exit(code)
}

do {
    // The config file fills in what the environment leaves unset.
    let environment = try ConfigFile.merged(into: processEnvironment)
    switch arguments.first {
    case "sandbox":
        let parsed = try ArgumentParser.parse(arguments.dropFirst(), specs: SandboxCommand.options, command: "sandbox")
        if parsed.has("help") {
            print(ArgumentParser.usage(command: "sandbox", summary: "Run the FPS-compatible sandbox server on loopback.", specs: SandboxCommand.options))
            exit(0)
        }
        exit(try SandboxCommand.run(parsed, environment: environment))
    case "reconcile":
        let parsed = try ArgumentParser.parse(arguments.dropFirst(), specs: ReconcileCommand.options, command: "reconcile")
        if parsed.has("help") {
            print(ArgumentParser.usage(command: "reconcile", summary: "Resolve interrupted payment requests and compare the ledger with the endpoint.", specs: ReconcileCommand.options))
            print("\n" + ReconcileCommand.help)
            exit(0)
        }
        exit(try ReconcileCommand.run(parsed, environment: environment))
    case "drive":
        let parsed = try ArgumentParser.parse(arguments.dropFirst(), specs: DriveCommand.options, command: "drive")
        if parsed.has("help") {
            print(ArgumentParser.usage(command: "drive", summary: "Run scripted checkouts headless (a test and support tool).", specs: DriveCommand.options))
            print("\n" + DriveCommand.help)
            exit(0)
        }
        exit(try DriveCommand.run(parsed, environment: environment))
    case let name? where ScriptCommand.handles(name):
        exit(ScriptCommand.run(name, arguments.dropFirst(), environment: environment))
    case "info":
        let parsed = try ArgumentParser.parse(arguments.dropFirst(), specs: Settings.consoleOptions, command: "info")
        print(try InfoCommand.report(parsed, environment: environment, processEnvironment: processEnvironment))
        exit(0)
    case "keys":
        print(ConsoleCommand.keyTableMarkdown())
        exit(0)
    default:
        let parsed = try ArgumentParser.parse(arguments, specs: Settings.consoleOptions, command: "")
        if parsed.has("help") {
            print(ArgumentParser.usage(command: "", summary: summary, specs: Settings.consoleOptions))
            print("\n" + subcommands)
            exit(0)
        }
        let settings = try Settings.load(parsed, environment: environment)
        exit(try ConsoleCommand.run(settings))
    }
} catch let error as ArgumentError {
    fail(error.description)
} catch {
    fail("\(error)", code: 1)
}
