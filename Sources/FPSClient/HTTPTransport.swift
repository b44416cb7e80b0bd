import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request as the FPS client builds it, independent of the library that sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String], body: Data?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends one request and returns the response. Tests supply in-memory fakes.
///
/// A transport returns every HTTP status as a response (including 3xx, 4xx and 5xx) and
/// throws only when no response arrived, as `FPSError.transport`.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse
}

/// Refuses every redirect, so the 3xx response itself reaches the caller.
///
/// FPS API calls never redirect, and a certificate must come from the allow-listed URL
/// itself: a redirect could lead anywhere.
private final class RedirectRefusingDelegate: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// `HTTPTransport` over Foundation's `URLSession`, with TLS validation left at the system
/// default (chain and host name), no cookies, no cache and no redirects.
public struct URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let timeoutSeconds: Int

    /// `timeoutSeconds` limits each request. FoundationNetworking on Linux truncates
    /// timeouts to whole seconds, hence the integer.
    public init(timeoutSeconds: Int = 10) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = TimeInterval(max(1, timeoutSeconds))
        configuration.timeoutIntervalForResource = TimeInterval(max(1, timeoutSeconds))
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        self.session = URLSession(configuration: configuration, delegate: RedirectRefusingDelegate(), delegateQueue: nil)
        self.timeoutSeconds = max(1, timeoutSeconds)
    }

    public func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.timeoutInterval = TimeInterval(timeoutSeconds)
        // URLSession computes the Host header from the URL itself, with `:port` for a
        // non-default port: the same value the signer used as its host line.
        for (name, value) in request.headers where name.caseInsensitiveCompare("Host") != .orderedSame {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }

        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            throw .transport(Self.describe(error, url: request.url, timeoutSeconds: timeoutSeconds))
        } catch {
            throw .transport("The request to \(Self.origin(of: request.url)) failed: \(error.localizedDescription)")
        }

        guard let http = response as? HTTPURLResponse else {
            throw .transport("The response from \(Self.origin(of: request.url)) was not an HTTP response. Check the endpoint setting.")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// Describes the failure in the usual words, with what to check next.
    static func describe(_ error: URLError, url: URL, timeoutSeconds: Int) -> String {
        let origin = origin(of: url)
        switch error.code {
        case .timedOut:
            return "The request to \(origin) timed out after \(timeoutSeconds) seconds. Check that the service is running, then retry."
        case .cannotConnectToHost:
            return "The connection to \(origin) was refused. Check that the service is running and the port is right."
        case .cannotFindHost, .dnsLookupFailed:
            return "The host \(url.host ?? "?") was not found. Check the endpoint setting."
        case .networkConnectionLost:
            return "The connection to \(origin) was lost before the response arrived. Check the transaction status before retrying."
        case .notConnectedToInternet:
            return "There is no network connection for \(origin)."
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return "The TLS connection to \(origin) failed certificate validation. Check the endpoint's certificate; the console never skips this check."
        case .cancelled:
            return "The request to \(origin) was cancelled."
        default:
            return "The request to \(origin) failed (URLError \(error.code.rawValue)). Check that the service is reachable, then retry."
        }
    }

    static func origin(of url: URL) -> String {
        let host = url.host ?? "?"
        return url.port.map { "\(host):\($0)" } ?? host
    }
}
