#ifndef DKIM_COPENSSL_SHIM_H
#define DKIM_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>

// Wrappers for OpenSSL macros, which Swift cannot call. Pointers are void* so Swift does no bindMemory.

static inline long dkim_BIO_get_mem_data(BIO *bio, const void **out) {
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    *out = p;
    return n;
}

static inline BIO *dkim_BIO_new_mem_buf(const void *bytes, int count) {
    return BIO_new_mem_buf(bytes, count);
}

static inline int dkim_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *bytes, size_t count) {
    return EVP_DigestUpdate(ctx, bytes, count);
}

static inline const unsigned char *dkim_uchar(const void *p) { return (const unsigned char *)p; }

#endif
