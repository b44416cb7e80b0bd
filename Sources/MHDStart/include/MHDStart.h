#ifndef FPS_MHDSTART_H
#define FPS_MHDSTART_H
#include <stdint.h>
#include <microhttpd.h>

/// Starts a libmicrohttpd daemon bound to 127.0.0.1:port (0 picks a free port) with
/// an internal epoll thread, or a pool of `threads` when above 1. Returns NULL on failure.
struct MHD_Daemon *fps_mhd_start_loopback(uint16_t port,
                                          unsigned int threads,
                                          unsigned int connection_timeout_seconds,
                                          MHD_AccessHandlerCallback handler,
                                          void *handler_context,
                                          MHD_RequestCompletedCallback completed,
                                          void *completed_context);

/// Returns the port the daemon is bound to, or 0 when it cannot be read.
uint16_t fps_mhd_bound_port(struct MHD_Daemon *daemon);
#endif
