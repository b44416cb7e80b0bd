import Foundation

// fps-bench: the measures behind BENCHMARKS.md. Benchmarks/run.sh builds it in release mode,
// runs each mode and collects the JSON lines it prints. Every mode that compares against a
// reference measures both in the same process or the same run.

let usage = """
    usage: fps-bench MODE [--option value ...]
      signing        CBUI URLs and signed API requests per second, and raw HMAC-SHA256 over the same bytes
      verify         return-URI signature checks per second with a cached certificate
      xml --fixtures DIR   decodes per second of each response sample
      e2e            checkout latency against the in-process sandbox, and bare round trips
      serve-trivial  libmicrohttpd answering "ok", for wrk
      serve-sandbox --dir DIR   the sandbox with pre-signed requests written to DIR, for wrk
      ledger-fill --path FILE   fill a ledger to --orders orders
      ledger-list --path FILE   time Ledger.listOrders
      commits        small durable Ledger commits per second
    """

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
do {
    let options = try Options(arguments.dropFirst(2))
    switch arguments[1] {
    case "signing": try SigningBench.run(options)
    case "verify": try await VerifyBench.run(options)
    case "xml": try XMLBench.run(options)
    case "e2e": try await EndToEndBench.run(options)
    case "serve-trivial": try ServeModes.trivial(options)
    case "serve-sandbox": try await ServeModes.sandbox(options)
    case "ledger-fill": try LedgerBench.fill(options)
    case "ledger-list": try LedgerBench.list(options)
    case "commits": try LedgerBench.commits(options)
    default:
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
} catch {
    note("failed: \(error)")
    exit(1)
}
