#include "MHDStart.h"
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

struct MHD_Daemon *fps_mhd_start_loopback(uint16_t port,
                                          unsigned int threads,
                                          unsigned int connection_timeout_seconds,
                                          MHD_AccessHandlerCallback handler,
                                          void *handler_context,
                                          MHD_RequestCompletedCallback completed,
                                          void *completed_context) {
    return fps_mhd_start_loopback_raw_uri(port, threads, connection_timeout_seconds, NULL, NULL,
                                          handler, handler_context, completed, completed_context);
}

struct MHD_Daemon *fps_mhd_start_loopback_raw_uri(uint16_t port,
                                                  unsigned int threads,
                                                  unsigned int connection_timeout_seconds,
                                                  void *(*uri_log)(void *cls, const char *uri,
                                                                   struct MHD_Connection *connection),
                                                  void *uri_log_context,
                                                  MHD_AccessHandlerCallback handler,
                                                  void *handler_context,
                                                  MHD_RequestCompletedCallback completed,
                                                  void *completed_context) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    // The options go in an MHD_OPTION_ARRAY so that optional ones can be left out of one call.
    // Two-pointer options carry the function in `value` and its context in `ptr_value`.
    struct MHD_OptionItem options[6];
    size_t count = 0;
    options[count++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &address};
    options[count++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_context};
    options[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)connection_timeout_seconds, NULL};
    if (uri_log != NULL) {
        options[count++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, uri_log_context};
    }
    // libmicrohttpd warns when a pool of one is requested, so the option is passed only above one.
    if (threads > 1) {
        options[count++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    }
    options[count] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_context,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

uint16_t fps_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}
