import FPSClient

/// Exit codes of the scripting subcommands. Scripts branch on these, so their values never change.
enum ExitCode: Int32 {
    /// Final status Success or Reserved (Cancelled for `cancel`), a verified return URI, or a built URL.
    case success = 0
    /// The service rejected the request with an FPS error code, or the return URI was rejected.
    case rejected = 1
    /// Invalid or missing options, or no endpoint configured. Nothing was sent.
    case usage = 2
    /// The endpoint was unreachable or responded with a retryable failure. The outcome is unknown,
    /// so run `status` (or resend with the same caller reference) before trying again.
    case retryable = 3
    /// The transaction is Pending: not final yet.
    case pending = 4
    /// The transaction reached the final status Failure or Cancelled.
    case failed = 5

    /// The table printed at the end of every subcommand's `--help`.
    static let helpText = """
    Exit codes:
      0  success: final status Success or Reserved (Cancelled for cancel), return URI verified, or URL built
      1  rejected: the service returned an FPS error code, or the return URI was rejected
      2  usage or configuration error; nothing was sent
      3  endpoint unreachable or retryable failure; the outcome is unknown, so check with `status`
      4  transaction Pending: not final yet, check again with `status`
      5  transaction final with Failure or Cancelled
    """

    /// Maps a transaction status to its exit code. `cancel` treats Cancelled as its success.
    static func forStatus(_ status: TransactionStatus, cancelledIsSuccess: Bool = false) -> ExitCode {
        switch status {
        case .success, .reserved: return .success
        case .pending: return .pending
        case .failure: return .failed
        case .cancelled: return cancelledIsSuccess ? .success : .failed
        }
    }

    /// Maps a failed call to its exit code.
    ///
    /// An unreadable response counts as retryable, because the request may have reached the
    /// service and created a transaction that `status` can find.
    static func forError(_ error: FPSError) -> ExitCode {
        switch error {
        case .invalidRequest: return .usage
        case .transport, .malformedResponse: return .retryable
        case .service: return error.isRetryable ? .retryable : .rejected
        }
    }
}
