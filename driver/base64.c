#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "driver/page_internal.h"

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int base64_decode(const char *in, size_t in_len, unsigned char **out, size_t *out_len)
{
    unsigned char *o = xmalloc(in_len / 4 * 3 + 3);
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    bool is_padding = false;
    for (size_t i = 0; i < in_len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            is_padding = true;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || is_padding) {
            free(o);
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *out = o;
    *out_len = n;
    return 0;
}
