import CMicroHTTPD
import Foundation
import FPSClient
import MHDStart

/// One HTTP request as the sandbox's handlers see it.
struct ServerRequest: Sendable {
    /// The request method in upper case, `GET` or `POST` for everything the sandbox serves.
    var method: String
    /// The percent-decoded path without the query.
    var path: String
    /// The query string exactly as it arrived on the request line, without the `?`.
    var rawQuery: String
    /// The `Host` header, if any.
    var host: String?
    /// The `Content-Type` header, if any.
    var contentType: String?
    /// The `X-Sandbox-Admin-Secret` header, if any, which the admin endpoints check.
    var adminSecret: String? = nil
    /// The request body as received.
    var body: [UInt8]
}

/// One HTTP response: status, headers and body bytes.
struct ServerResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// When true, the server closes the connection without sending anything, as fault injection
    /// does for a lost response.
    var dropConnection = false

    init(status: Int, contentType: String, body: String, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.headers = [("Content-Type", contentType), ("Cache-Control", "no-store")] + headers
        self.body = Array(body.utf8)
    }

    init(status: Int, contentType: String, bytes: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.headers = [("Content-Type", contentType), ("Cache-Control", "no-store")] + headers
        self.body = bytes
    }

    static func text(_ status: Int, _ message: String) -> ServerResponse {
        ServerResponse(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
    }

    static var droppedConnection: ServerResponse {
        var response = ServerResponse(status: 500, contentType: "text/plain", body: "")
        response.dropConnection = true
        return response
    }

    static func redirect(to location: String) -> ServerResponse {
        ServerResponse(status: 302, contentType: "text/plain; charset=utf-8",
                     body: "Redirecting to the merchant's return URL.\n",
                     headers: [("Location", location)])
    }
}

/// Per-request state that lives in libmicrohttpd's `*req_cls` from the URI log callback
/// until the request-completed callback releases it. Only the connection's thread touches it.
private final class RequestState {
    let rawTarget: String
    var headersSeen = false
    var body: [UInt8] = []
    var bodyTooLarge = false

    init(rawTarget: String) {
        self.rawTarget = rawTarget
    }
}

/// A libmicrohttpd daemon bound to 127.0.0.1 that hands every complete request to `handler`.
///
/// Query strings come from the raw request target that the URI log callback receives, not
/// from `MHD_get_connection_values`. libmicrohttpd has already decoded `+` and `%XY` in those
/// pairs with its own rules. Parsing the raw string with the client's `QueryString.parse`
/// (form semantics, `+` is a space) makes both sides decode identically, and it rejects
/// malformed escapes and duplicate names.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// Bodies above this size get a 413 response. FPS requests are a few hundred bytes.
    static let maximumBodyBytes = 1 << 20

    let handler: @Sendable (ServerRequest) -> ServerResponse
    private let lock = NSLock()
    private var daemon: OpaquePointer?
    private var retainedSelf: Unmanaged<LoopbackHTTPServer>?

    init(handler: @escaping @Sendable (ServerRequest) -> ServerResponse) {
        self.handler = handler
    }

    /// Starts the daemon on `port` (0 picks a free port) and returns the bound port.
    func start(port: UInt16, threads: UInt32) throws -> UInt16 {
        try lock.withLock {
            if let daemon { return fps_mhd_bound_port(daemon) }
            // The daemon keeps a raw pointer to this object, so it holds a strong reference
            // until stop() has joined libmicrohttpd's threads.
            let retained = Unmanaged.passRetained(self)
            let context = retained.toOpaque()
            guard let started = fps_mhd_start_loopback_raw_uri(
                port, threads, 30, logURI, context, accessHandler, context, requestCompleted, context)
            else {
                retained.release()
                throw SandboxError.startFailed("libmicrohttpd could not bind 127.0.0.1:\(port); the port may be in use.")
            }
            daemon = started
            retainedSelf = retained
            return fps_mhd_bound_port(started)
        }
    }

    /// Stops the daemon; MHD_stop_daemon returns after every handler call has finished.
    func stop() {
        lock.withLock {
            guard let daemon else { return }
            MHD_stop_daemon(daemon)
            self.daemon = nil
            retainedSelf?.release()
            retainedSelf = nil
        }
    }

    fileprivate func respond(_ state: RequestState, connection: OpaquePointer, method: String) -> MHD_Result {
        let response: ServerResponse
        if state.bodyTooLarge {
            response = .text(413, "The request body is larger than \(Self.maximumBodyBytes) bytes.")
        } else {
            let target = state.rawTarget
            let pathPart: Substring
            let query: Substring
            if let mark = target.firstIndex(of: "?") {
                pathPart = target[..<mark]
                query = target[target.index(after: mark)...]
            } else {
                pathPart = target[...]
                query = ""
            }
            let request = ServerRequest(
                method: method.uppercased(),
                path: PercentEncodingDecode.path(pathPart),
                rawQuery: String(query),
                host: Self.header(connection, "Host"),
                contentType: Self.header(connection, "Content-Type"),
                adminSecret: Self.header(connection, AdminService.secretHeader),
                body: state.body)
            response = handler(request)
        }
        // Returning MHD_NO makes libmicrohttpd close the connection without a response.
        if response.dropConnection { return .NO }
        return Self.queue(response, on: connection)
    }

    private static func header(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private static func queue(_ response: ServerResponse, on connection: OpaquePointer) -> MHD_Result {
        var body = response.body
        if body.isEmpty { body = [0] }
        let length = response.body.count
        let mhdResponse = body.withUnsafeMutableBytes { buffer in
            MHD_create_response_from_buffer(length, buffer.baseAddress, .RESPMEM_MUST_COPY)
        }
        guard let mhdResponse else { return .NO }
        for header in response.headers {
            MHD_add_response_header(mhdResponse, header.name, header.value)
        }
        let result = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
        return result
    }
}

/// Path decoding for routing: `%XY` escapes are decoded and `+` is kept, as RFC 3986 paths have it.
enum PercentEncodingDecode {
    static func path(_ raw: Substring) -> String {
        PercentEncoding.decode(raw, plusAsSpace: false) ?? String(raw)
    }
}

// The three callbacks are C function pointers, so they capture nothing and reach the
// server through the context pointer.

private let logURI: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?) -> UnsafeMutableRawPointer? = {
    _, uri, _ in
    let target = uri.map { String(cString: $0) } ?? "/"
    return Unmanaged.passRetained(RequestState(rawTarget: target)).toOpaque()
}

private let accessHandler: MHD_AccessHandlerCallback = {
    context, connection, _, method, _, uploadData, uploadDataSize, requestContext in
    guard let context, let connection, let requestContext, let uploadDataSize else { return .NO }
    let server = Unmanaged<LoopbackHTTPServer>.fromOpaque(context).takeUnretainedValue()

    // The URI log callback always runs first; the fallback covers a libmicrohttpd that skipped it.
    if requestContext.pointee == nil {
        requestContext.pointee = Unmanaged.passRetained(RequestState(rawTarget: "/")).toOpaque()
    }
    let state = Unmanaged<RequestState>.fromOpaque(requestContext.pointee!).takeUnretainedValue()

    // First call: headers only. libmicrohttpd then calls again for each body chunk and once more at the end.
    if !state.headersSeen {
        state.headersSeen = true
        return .YES
    }
    if uploadDataSize.pointee > 0 {
        let size = uploadDataSize.pointee
        if state.body.count + size > LoopbackHTTPServer.maximumBodyBytes {
            state.bodyTooLarge = true
            state.body = []
        } else if !state.bodyTooLarge, let uploadData {
            uploadData.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
                state.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }
    let methodName = method.map { String(cString: $0) } ?? "GET"
    return server.respond(state, connection: connection, method: methodName)
}

private let requestCompleted: MHD_RequestCompletedCallback = { _, _, requestContext, _ in
    guard let requestContext, let pointer = requestContext.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(pointer).release()
    requestContext.pointee = nil
}
