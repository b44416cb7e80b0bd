import CMicroHTTPD
import Foundation
import MHDStart

/// The smallest useful libmicrohttpd server: started through the same MHDStart C target and
/// thread settings as the sandbox, it reads the request body and responds 200 "ok". It is the
/// reference for what the HTTP layer alone costs on this machine.
final class TrivialServer {
    private var daemon: OpaquePointer?
    let port: UInt16

    init(threads: UInt32 = 2) throws {
        guard let started = fps_mhd_start_loopback(0, threads, 30, trivialHandler, nil, nil, nil) else {
            throw BenchFailure("libmicrohttpd could not start the trivial server on 127.0.0.1")
        }
        daemon = started
        port = fps_mhd_bound_port(started)
    }

    func stop() {
        if let daemon { MHD_stop_daemon(daemon) }
        daemon = nil
    }
}

// Written once before the server starts and only read by its threads afterwards.
nonisolated(unsafe) private let okBody: UnsafeMutableRawPointer = {
    let bytes = UnsafeMutableRawPointer.allocate(byteCount: 3, alignment: 1)
    bytes.copyMemory(from: "ok\n", byteCount: 3)
    return bytes
}()

/// First call: headers; then one call per body chunk; the last call queues the response.
/// `*req_cls` marks that the headers were seen, so no allocation is needed per request.
private let trivialHandler: MHD_AccessHandlerCallback = { _, connection, _, _, _, _, uploadDataSize, requestContext in
    guard let connection, let requestContext, let uploadDataSize else { return .NO }
    if requestContext.pointee == nil {
        requestContext.pointee = okBody
        return .YES
    }
    if uploadDataSize.pointee > 0 {
        uploadDataSize.pointee = 0
        return .YES
    }
    guard let response = MHD_create_response_from_buffer(3, okBody, .RESPMEM_PERSISTENT) else { return .NO }
    MHD_add_response_header(response, "Content-Type", "text/plain")
    let result = MHD_queue_response(connection, 200, response)
    MHD_destroy_response(response)
    return result
}
