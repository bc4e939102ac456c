/* mhd.c -- opens libmicrohttpd at run time (see mhd.h). */
#include <dlfcn.h>
#include <string.h>
#include "server/mhd.h"

static us_mhd table;
static int loaded;

/* dlsym's void * into a function pointer: POSIX guarantees the two have the
 * same representation, ISO C has no cast for it, so the bytes are copied. */
static int sym(void *h, const char *name, void *fn_ptr, size_t size)
{
    void *p = dlsym(h, name);
    if (!p || size != sizeof p) return -1;
    memcpy(fn_ptr, &p, sizeof p);
    return 0;
}

const us_mhd *us_mhd_load(us_err *err)
{
    if (loaded) return &table;
    static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so"};
    void *h = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !h; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        us_err_set(err, US_EIO, "the server needs libmicrohttpd: %s\n"
                   "HINT: apt-get install libmicrohttpd12 (scripts/install-deps.sh)", dlerror());
        return NULL;
    }
    us_mhd t;
#define SYM(field, name) \
    if (sym(h, name, &t.field, sizeof t.field) != 0) goto missing;
    SYM(start_daemon, "MHD_start_daemon")
    SYM(stop_daemon, "MHD_stop_daemon")
    SYM(get_daemon_info, "MHD_get_daemon_info")
    SYM(lookup_connection_value, "MHD_lookup_connection_value")
    SYM(create_response_from_buffer, "MHD_create_response_from_buffer")
    SYM(create_response_from_buffer_with_free_callback,
        "MHD_create_response_from_buffer_with_free_callback")
    SYM(add_response_header, "MHD_add_response_header")
    SYM(queue_response, "MHD_queue_response")
    SYM(destroy_response, "MHD_destroy_response")
#undef SYM
    table = t;
    loaded = 1;   /* the handle stays open for the life of the process */
    return &table;
missing:
    us_err_set(err, US_EIO, "libmicrohttpd lacks a function this unspin needs: %s\n"
               "HINT: install Debian 12's libmicrohttpd12 (0.9.75 or newer)", dlerror());
    dlclose(h);
    return NULL;
}
