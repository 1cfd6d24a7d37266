/*
 * xpcwire-c — the C implementation's command-line tool.
 *
 *   xpcwire-c json [--canonical] FILE        the JSON description (SPEC §8) of one envelope
 *   xpcwire-c encode JSON_FILE               a JSON description to canonical bytes, on stdout
 *   xpcwire-c roundtrip [--canonical] IN OUT a stream of concatenated envelopes, each decoded and
 *                                            re-encoded canonically, concatenated into OUT
 *   xpcwire-c schema-check [--json] [--canonical] SCHEMA FILE
 *                                            the violations of FILE's message against the schema
 *                                            (SPEC §9.4), as `xpcwire schema check` prints them
 *
 * FILE, IN and OUT may be "-" for standard input or output. --canonical decodes in strict mode
 * (SPEC §5.3). A decoding error prints "error: KIND at OFFSET" (KIND with its limit name or
 * non-canonical reason in parentheses, e.g. "nonCanonical(float32)") and exits with status 1; in a
 * stream, OFFSET counts from the start of the stream and a second line names the envelope.
 * schema-check exits with status 0 when the message matches, 1 when it does not or cannot be
 * decoded, and 64 when the schema is invalid or a file cannot be read.
 */
#include "schema.h"
#include "xpcwire.h"

#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs("usage: xpcwire-c json [--canonical] FILE\n"
          "       xpcwire-c encode JSON_FILE\n"
          "       xpcwire-c roundtrip [--canonical] IN OUT\n"
          "       xpcwire-c schema-check [--json] [--canonical] SCHEMA FILE\n",
          stderr);
    return 2;
}

/* Reads a whole file ("-" is standard input). */
static uint8_t *read_file(const char *path, size_t *length)
{
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        return NULL;
    }
    size_t capacity = 1 << 16, size = 0;
    uint8_t *data = malloc(capacity);
    while (data != NULL) {
        if (size == capacity) {
            uint8_t *grown = realloc(data, capacity *= 2);
            if (grown == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = grown;
        }
        size_t got = fread(data + size, 1, capacity - size, file);
        size += got;
        if (got == 0) {
            if (ferror(file)) {
                perror(path);
                free(data);
                data = NULL;
            }
            break;
        }
    }
    if (file != stdin) {
        fclose(file);
    }
    if (data == NULL) {
        fprintf(stderr, "error: cannot read %s\n", path);
    }
    *length = size;
    return data;
}

static bool write_file(const char *path, const char *data, size_t length)
{
    FILE *file = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (file == NULL) {
        perror(path);
        return false;
    }
    bool ok = fwrite(data, 1, length, file) == length;
    ok = (file == stdout ? fflush(file) : fclose(file)) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "error: cannot write %s\n", path);
    }
    return ok;
}

static void print_error(const xw_error *error, size_t base)
{
    if (error->kind == XW_INVALID_DESCRIPTION) {
        fprintf(stderr, "error: invalidDescription: %s\n", error->message);
    } else if (error->detail != NULL) {
        fprintf(stderr, "error: %s(%s) at %zu\n", xw_error_kind_name(error->kind), error->detail, base + error->offset);
    } else {
        fprintf(stderr, "error: %s at %zu\n", xw_error_kind_name(error->kind), base + error->offset);
    }
}

static int run_json(const char *path, const xw_options *options)
{
    size_t length;
    uint8_t *bytes = read_file(path, &length);
    if (bytes == NULL) {
        return 1;
    }
    xw_document document;
    xw_error error;
    bool ok = xw_decode(bytes, length, options, &document, &error);
    free(bytes);
    if (!ok) {
        print_error(&error, 0);
        return 1;
    }
    ok = xw_write_description(&document, stdout);
    xw_document_free(&document);
    return ok && fflush(stdout) == 0 ? 0 : 1;
}

static int run_encode(const char *path)
{
    size_t length;
    uint8_t *text = read_file(path, &length);
    if (text == NULL) {
        return 1;
    }
    xw_document document;
    xw_error error;
    bool ok = xw_read_description(text, length, &document, &error);
    free(text);
    if (!ok) {
        print_error(&error, 0);
        return 1;
    }
    if (document.major != 1 || document.minor != 0 || document.flags != 0) {
        fprintf(stderr, "error: invalidDescription: can only encode version 1.0 with flags 0 (SPEC §8.1)\n");
        xw_document_free(&document);
        return 1;
    }
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    ok = xw_encode(&document.root, &out, &error);
    xw_document_free(&document);
    if (!ok) {
        fprintf(stderr, "error: %s\n", xw_error_kind_name(error.kind));
    } else {
        ok = write_file("-", out.data, out.size);
    }
    msgpack_sbuffer_destroy(&out);
    return ok ? 0 : 1;
}

/* The length of the envelope starting at `bytes`: 14 + N + L from its header, capped by the input;
 * all that remains when not even a header is left (decoding then reports the truncation). */
static size_t envelope_length(const uint8_t *bytes, size_t remaining)
{
    if (remaining < 14) {
        return remaining;
    }
    uint64_t slots = (uint64_t)bytes[8] << 8 | bytes[9];
    uint64_t body = (uint64_t)bytes[10] << 24 | (uint64_t)bytes[11] << 16 | (uint64_t)bytes[12] << 8 | bytes[13];
    uint64_t declared = 14 + slots + body;
    return declared < remaining ? (size_t)declared : remaining;
}

static int run_roundtrip(const char *input, const char *output, const xw_options *options)
{
    size_t length;
    uint8_t *bytes = read_file(input, &length);
    if (bytes == NULL) {
        return 1;
    }
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    bool ok = true;
    size_t index = 0;
    for (size_t start = 0; ok && start < length; index++) {
        size_t size = envelope_length(bytes + start, length - start);
        xw_document document;
        xw_error error;
        ok = xw_decode(bytes + start, size, options, &document, &error);
        if (!ok) {
            print_error(&error, start);
            fprintf(stderr, "note: in envelope %zu, which starts at byte %zu of %s\n", index, start, input);
            break;
        }
        ok = xw_encode(&document.root, &out, &error);
        xw_document_free(&document);
        if (!ok) {
            fprintf(stderr, "error: cannot encode envelope %zu: %s\n", index, xw_error_kind_name(error.kind));
        }
        start += size;
    }
    free(bytes);
    ok = ok && write_file(output, out.data == NULL ? "" : out.data, out.size);
    msgpack_sbuffer_destroy(&out);
    return ok ? 0 : 1;
}

/* The exit status of schema-check for an invalid schema or an unreadable file, as the Swift CLI's. */
#define EXIT_SCHEMA_USAGE 64

static int run_schema_check(const char *schema_path, const char *message_path, bool json, const xw_options *options)
{
    size_t length;
    uint8_t *text = read_file(schema_path, &length);
    if (text == NULL) {
        return EXIT_SCHEMA_USAGE;
    }
    msgpack_zone *zone = msgpack_zone_new(8192);
    if (zone == NULL) {
        free(text);
        fputs("error: outOfMemory\n", stderr);
        return 1;
    }
    xw_schema *schema;
    char *message;
    size_t message_length;
    xw_schema_status status = xw_schema_read(text, length, zone, &schema, &message, &message_length);
    free(text);
    if (status != XW_SCHEMA_OK) {
        const char *shown = strcmp(schema_path, "-") == 0 ? "<stdin>" : schema_path;
        if (message != NULL) {
            fprintf(stderr, "%s: ", shown);
            fwrite(message, 1, message_length, stderr);
            fputc('\n', stderr);
        } else {
            fprintf(stderr, "%s: outOfMemory\n", shown);
        }
        free(message);
        msgpack_zone_free(zone);
        return status == XW_SCHEMA_OUT_OF_MEMORY ? 1 : EXIT_SCHEMA_USAGE;
    }
    uint8_t *bytes = read_file(message_path, &length);
    if (bytes == NULL) {
        msgpack_zone_free(zone);
        return EXIT_SCHEMA_USAGE;
    }
    xw_document document;
    xw_error error;
    bool ok = xw_decode(bytes, length, options, &document, &error);
    free(bytes);
    if (!ok) {
        print_error(&error, 0);
        msgpack_zone_free(zone);
        return 1;
    }
    size_t violations = 0;
    ok = xw_schema_validate(schema, &document.root, json, stdout, &violations);
    xw_document_free(&document);
    msgpack_zone_free(zone);
    if (ok && violations == 0 && !json) {
        printf("%s: matches %s\n", strcmp(message_path, "-") == 0 ? "<stdin>" : message_path,
               strcmp(schema_path, "-") == 0 ? "<stdin>" : schema_path);
    }
    if (fflush(stdout) != 0 || !ok) {
        fputs("error: cannot write the violations\n", stderr);
        return 1;
    }
    return violations == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "schema-check") == 0) {
        xw_options options = xw_default_options();
        bool json = false;
        const char *paths[2];
        int count = 0;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--json") == 0) {
                json = true;
            } else if (strcmp(argv[i], "--canonical") == 0 || strcmp(argv[i], "--strict") == 0) {
                options.requires_canonical_encoding = true;
            } else if (count < 2) {
                paths[count++] = argv[i];
            } else {
                return usage();
            }
        }
        if (count != 2 || (strcmp(paths[0], "-") == 0 && strcmp(paths[1], "-") == 0)) {
            return usage();
        }
        return run_schema_check(paths[0], paths[1], json, &options);
    }

    xw_options options = xw_default_options();
    const char *arguments[3];
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--canonical") == 0 || strcmp(argv[i], "--strict") == 0) {
            options.requires_canonical_encoding = true;
        } else if (count < 3) {
            arguments[count++] = argv[i];
        } else {
            return usage();
        }
    }
    if (count == 2 && strcmp(arguments[0], "json") == 0) {
        return run_json(arguments[1], &options);
    }
    if (count == 2 && strcmp(arguments[0], "encode") == 0 && !options.requires_canonical_encoding) {
        return run_encode(arguments[1]);
    }
    if (count == 3 && strcmp(arguments[0], "roundtrip") == 0) {
        return run_roundtrip(arguments[1], arguments[2], &options);
    }
    return usage();
}
