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

/// Starts the same loopback daemon as `fps_mhd_start_loopback` and also installs
/// `uri_log` (MHD_OPTION_URI_LOG_CALLBACK). libmicrohttpd calls it once per request with
/// the request target exactly as received, query string included and nothing decoded,
/// before it splits and unescapes the arguments. Its return value becomes the request's
/// initial `*req_cls`, and MHD_OPTION_NOTIFY_COMPLETED is called for it afterwards.
struct MHD_Daemon *fps_mhd_start_loopback_raw_uri(uint16_t port,
                                                  unsigned int threads,
                                                  unsigned int connection_timeout_seconds,
                                                  void *(*uri_log)(void *cls, const char *uri,
                                                                   struct MHD_Connection *connection),
                                                  void *uri_log_context,
                                                  MHD_AccessHandlerCallback handler,
                                                  void *handler_context,
                                                  MHD_RequestCompletedCallback completed,
                                                  void *completed_context);

/// Returns the port the daemon is bound to, or 0 when it cannot be read.
uint16_t fps_mhd_bound_port(struct MHD_Daemon *daemon);
#endif
