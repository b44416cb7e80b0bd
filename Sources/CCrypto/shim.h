#ifndef FPS_CCRYPTO_SHIM_H
#define FPS_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/crypto.h>

// BIO_get_mem_data is a macro; this wrapper makes it callable from Swift.
static inline long fps_bio_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }
#endif
