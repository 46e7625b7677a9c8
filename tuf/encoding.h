/* Text encodings of key and signature bytes, strict both ways.
 *
 *	base64  RFC 4648 §4 standard alphabet with padding: Go's
 *	        base64.StdEncoding, which notary uses for every []byte (FORMATS
 *	        §1.1 "[]byte fields").
 *	hex     lowercase on output; either case on input (FORMATS Appendix B:
 *	        both TUF libraries read upper case and write lower case).
 *	PEM     exactly as Go's pem.EncodeToMemory writes a block without
 *	        headers (FORMATS §1.4): "-----BEGIN <T>-----\n", the base64 of
 *	        the DER in lines of 64 characters (the last 1..64), each ending
 *	        in "\n", "-----END <T>-----\n".  OpenSSL's PEM writers give the
 *	        same bytes.
 *
 * Decoders accept only what the matching encoder writes (apart from hex
 * case): no whitespace, no missing or extra padding, no non-zero bits in
 * the last base64 character, no other PEM line width, no PEM headers.  So
 * a string that decodes is the one the encoder gives for those bytes, which
 * matters because key IDs hash the text, not the bytes.
 *
 * Results are malloc'd and NUL-terminated (the NUL is not counted); the
 * caller frees them with free().  ret_* are written only on success. */
#ifndef TA_ENCODING_H
#define TA_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest input the encoders and decoders take, in bytes: far above any
 * key, certificate bundle or signature. */
#define TA_ENCODING_MAX ((size_t)1 << 20)

/* Base64 of len bytes.  TA_ERR_TOO_LARGE past TA_ENCODING_MAX, TA_ERR_NOMEM,
 * TA_ERR_INVALID for NULL arguments. */
int ta_base64_encode(const uint8_t *p, size_t len, char **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Decodes len characters of s (no NUL needed).  Empty input decodes to zero
 * bytes (the result is still a valid allocation).  TA_ERR_INVALID for any
 * character outside the alphabet, a length that is not a multiple of 4,
 * misplaced or excess '=', or non-canonical trailing bits. */
int ta_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Lowercase hex of len bytes into a new string of 2 * len characters. */
int ta_hex_encode(const uint8_t *p, size_t len, char **ret)
    __attribute__((warn_unused_result));

/* Decodes len hex digits (either case).  TA_ERR_INVALID for an odd length or
 * a non-hex character. */
int ta_hex_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* The PEM block of type (e.g. "CERTIFICATE", "PUBLIC KEY"; 1..32 characters
 * of A-Z and space) around len (>= 1) bytes of DER. */
int ta_pem_encode(const char *type, const uint8_t *der, size_t len, char **ret, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Reads the PEM block of type at the start of s (len characters), which
 * must be exactly what ta_pem_encode() writes; with final_newline_optional
 * the "\n" after the END line may be missing when s ends there (TUF
 * metadata carries PEMs both ways, FORMATS Appendix B "keyid").  Sets
 * *ret_der / *ret_der_len to the decoded bytes and *ret_used to the number
 * of characters read.  TA_ERR_INVALID when s does not start with such a
 * block (an empty block included). */
int ta_pem_decode(const char *type, const char *s, size_t len, bool final_newline_optional,
    uint8_t **ret_der, size_t *ret_der_len, size_t *ret_used) __attribute__((warn_unused_result));

#endif
