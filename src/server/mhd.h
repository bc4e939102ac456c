/* mhd.h -- libmicrohttpd, loaded by `unspin serve` when it starts.
 *
 * Linking it would make every unspin command map and relocate it and the ten
 * libraries it pulls in (GnuTLS, nettle, gmp, p11-kit...) at start-up: about
 * 1-1.5 ms of the 4-6 ms a `predict` process takes before its first article,
 * paid per language folder and per shell loop iteration. Only the server
 * needs it, so the server opens it (the soname of Debian's libmicrohttpd12)
 * and calls it through this table, with the header's own prototypes. */
#ifndef US_SERVER_MHD_H
#define US_SERVER_MHD_H
#include <microhttpd.h>
#include "base/base.h"

typedef struct us_mhd {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_buffer_with_free_callback)
        *create_response_from_buffer_with_free_callback;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
} us_mhd;

/* Loads the library once (later calls return the same table). NULL + err
 * (US_EIO, with a HINT) when it or one of its functions is missing. Call
 * before starting threads that use it. */
const us_mhd *us_mhd_load(us_err *err);

#endif
