/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tool.h - what the files of the xs-state tool share; private to the
 * tool (the library's API is include/xs_state.h, and none of this is in
 * libxsstate.a).
 *
 *   xs-state.c    the command line: commands, options, usage, exit status
 *   tool_fmt.c    names of codes and flag bits; values as quoted text
 *   tool_wire.c   xenstore messages inside CONN_INPUT and GUEST_RING_DATA
 *   tool_image.c  opening an image and walking its records
 *   tool_live.c   asking the running daemon for an image (--live)
 *   tool_migrate.c export, import, resume of one domain
 *   tool_out.c    the emitter of dump, with a text and a JSON back end
 *   tool_dump.c   dump: every record as text or JSON
 *   tool_stats.c  verify and stats
 *   tool_model.c  an image loaded into sorted sets, for diff
 *   tool_diff.c   diff: two models compared
 *   tool_libxl.c  libxl migration streams: reading and walking them
 *   tool_stream.c dump and verify of a libxl stream
 *   tool_embed.c  embed and extract: an image in and out of a stream
 *   tool_upstream.c to-upstream: an image as C xenstored's state file
 */
#ifndef XSS_TOOL_H
#define XSS_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <talloc.h>

#include "xs_state.h"

#define PROG "xs-state"
#define DEFAULT_RUNDIR "/var/run/xenstored"
#define MSG_HDR_LEN 16		/* struct xsd_sockmsg */

#define EXIT_BAD 1		/* bad image, failure; diff: different */
#define EXIT_USAGE 2		/* usage; diff: any error */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* -- xs-state.c ----------------------------------------------------- */

/* "xs-state: <message>" on standard error. */
void tool_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 0, or EXIT_BAD after saying why standard output failed. */
int finish_stdout(void);

/* -- tool_fmt.c: names and quoted text ------------------------------ */

struct flag_name {
	uint32_t bit;
	const char *name;
};

/* Each ends with { 0, NULL }. */
extern const struct flag_name watch_flags[];
extern const struct flag_name tnode_flags[];
extern const struct flag_name tevent_flags[];
extern const struct flag_name dom_flags[];
extern const struct flag_name sock_flags[];

/* NULL for values without a name (quotas: xss_quota_name()). */
const char *msg_name(uint32_t type);
const char *backend_name(uint32_t backend);

const char *order_name(bool big_endian);
char access_letter(uint32_t access);

/* Quoted, with `"` and `\` escaped and other bytes as \xNN. */
char *fmt_bytes(TALLOC_CTX *mem_ctx, const void *buf, size_t len);
char *fmt_str(TALLOC_CTX *mem_ctx, const char *s);
/* "b0 r5" (quoted). */
char *fmt_perms(TALLOC_CTX *mem_ctx, const struct xss_perms *perms);
/* "A|B", "none" for 0, unknown bits in hex. */
char *fmt_flags(TALLOC_CTX *mem_ctx, uint32_t flags,
		const struct flag_name *names);
/* A transaction node's child list, "[a b]", or "none" when it has none. */
char *fmt_tnode_children(TALLOC_CTX *mem_ctx, const struct xss_txn_node *tn);

/* -- tool_wire.c: xenstore messages in pending input and output ----- */

/*
 * One message of a CONN_INPUT or GUEST_RING_DATA body.  A body holds
 * complete messages, then perhaps one message whose payload is cut short
 * or the first octets of a header.  The header fields are in the byte
 * order of the image (that of the host that wrote it, as on the wire).
 */
struct wire_msg {
	uint32_t hdr_have;		/* header octets present, 16 if whole */
	uint32_t type, req_id, tx_id, len;	/* those present */
	const uint8_t *raw;		/* the message's first octet */
	const uint8_t *payload;
	uint32_t have;			/* payload octets present */
};

/* The message at p; returns the octets it takes (0: none left). */
uint32_t wire_next(const uint8_t *p, uint32_t left, bool big_endian,
		   struct wire_msg *m);
bool wire_equal(const struct wire_msg *a, const struct wire_msg *b);
uint32_t wire_count(const struct xss_buffer *b, bool big_endian);
/* One line for diff: READ req_id 8 tx_id 0 len 5 have 2 "he". */
char *fmt_wire(TALLOC_CTX *mem_ctx, const struct wire_msg *m);

/* -- tool_image.c: opening and walking images ----------------------- */

struct image {
	const char *name;	/* for messages */
	int fd;
	struct xss_reader *r;
	struct xss_header hdr;
	/* after image_walk() returned 0: */
	uint32_t records;	/* the index of END */
	uint64_t size;		/* octets up to the end of END */
};

/* What image_walk() calls; arg is the one given to image_walk(). */
struct image_visitor {
	/* Every record, END included: 0 to go on, or a positive errno. */
	int (*record)(void *arg, const struct xss_record *rec);
	/*
	 * Optional records the reader skipped (records first to last,
	 * bytes octets at offset), just before the record that follows
	 * them.  NULL: not wanted.
	 */
	void (*skipped)(void *arg, uint64_t offset, uint64_t bytes,
			uint32_t first, uint32_t last);
};

/* Octets a record takes in the image: header, body and padding. */
uint64_t rec_size(uint32_t len);
/* An image on fd ("name" for messages).  NULL after printing why. */
struct image *image_open_fd(TALLOC_CTX *mem_ctx, const char *name, int fd);
/* The file at path, or standard input for "-". */
struct image *image_open(TALLOC_CTX *mem_ctx, const char *path);
/* An image in memory (not copied: buf must outlive it). */
struct image *image_open_memory(TALLOC_CTX *mem_ctx, const char *name,
				const void *buf, size_t len);
/* 0, or -1 after printing the reader's error. */
int image_read_header(struct image *img);
/* The reader's error on standard error, after what stdout holds. */
void image_error(const struct image *img);
/*
 * The records after the header, in order.  0 when END was reached, -1
 * at a bad record (the reader's error is not printed), or what the
 * record callback returned to stop.
 */
int image_walk(struct image *img, const struct image_visitor *v, void *arg);

/* -- tool_live.c: --live -------------------------------------------- */

/*
 * Have the daemon on the socket (socket_opt, else from the environment)
 * write a DUMP image, and open it.  NULL after printing why.
 */
struct image *live_open(TALLOC_CTX *mem_ctx, const char *socket_opt);
/* The daemon's socket: opt, $XENSTORED_PATH, $XENSTORED_RUNDIR/socket. */
const char *live_socket_path(TALLOC_CTX *mem_ctx, const char *opt);
/*
 * CONTROL args[0..nargs) to the running daemon, with pass_fd (>= 0) as
 * SCM_RIGHTS; 0 and its answer, or -1 after saying why.
 */
int live_control(TALLOC_CTX *mem_ctx, const char *sock_path,
		 const char *const *args, unsigned int nargs, int pass_fd,
		 char **answer);

/* -- tool_migrate.c: export, import, resume --------------------------- */

int cmd_export(TALLOC_CTX *ctx, int argc, char **argv);
int cmd_import(TALLOC_CTX *ctx, int argc, char **argv);
int cmd_resume(TALLOC_CTX *ctx, int argc, char **argv);

/* -- tool_out.c: the emitter of dump -------------------------------- */

/*
 * Text: one line per record, "#<index> @0x<offset> <TYPE> len <n>:"
 * followed by " <key> <value>" pairs; list items go on lines of their
 * own, indented by four spaces.  JSON: one object per record in the
 * "records" array, list items as arrays of objects.
 */
struct out {
	FILE *f;
	bool json;
	bool big_endian;	/* of the image: for wire messages */
	unsigned int nfields;	/* fields in the current object or line */
	unsigned int nitems;	/* items in the current JSON list */
	unsigned int nrecords;	/* records in the JSON "records" array */
	TALLOC_CTX *tmp;	/* scratch, freed after each record */
};

void json_string(FILE *f, const void *buf, size_t len);
void json_hex(FILE *f, const void *buf, size_t len);

/* A JSON object in the "records" array: the separator and "{". */
void out_record_begin(struct out *o);
/*
 * Closes the "records" array and adds "complete" and "error" (NULL: the
 * input was whole); the enclosing object stays open.
 */
void out_records_end(const struct out *o, const char *error);
void out_key(struct out *o, const char *key);
void out_u(struct out *o, const char *key, uint64_t v);
void out_x(struct out *o, const char *key, uint64_t v);
void out_i(struct out *o, const char *key, int32_t v);
void out_opt(struct out *o, const char *key, uint32_t v, uint32_t none,
	     const char *word);
void out_word(struct out *o, const char *key, const char *word);
void out_name(struct out *o, const char *key, const char *name,
	      uint32_t v);
void out_str(struct out *o, const char *key, const void *buf, size_t len);
void out_bytes(struct out *o, const char *key, const void *buf, size_t len);
void out_perms(struct out *o, const char *key,
	       const struct xss_perms *perms);
void out_flags(struct out *o, const char *key, uint32_t flags,
	       const struct flag_name *names);
void out_children(struct out *o, const char *key,
		  const struct xss_txn_node *tn);
void out_list_begin(struct out *o, const char *key);
void out_item_begin(struct out *o, const char *key, const char *word);
void out_item_end(struct out *o);
void out_list_end(struct out *o);

/* -- the commands --------------------------------------------------- */

/* tool_dump.c: the exit status of "dump". */
int dump_image(struct image *img, bool json);
/* tool_stats.c: "verify" and "stats" of an image whose header is unread. */
int stats_verify(struct image *img);
int stats_print(struct image *img);

/* -- tool_model.c: an image as sorted sets, for diff ---------------- */

/*
 * An image as sets: everything keyed by what identifies it (paths,
 * domids, connection ids, tx_ids, path and token), copied out of the
 * reader's records and sorted, so that two models compare by a merge.
 */
struct m_txn {
	struct xss_txn t;
	struct xss_txn_node *nodes;
	size_t nnodes, cnodes;
	struct xss_txn_event *events;
	size_t nevents, cevents;
};

struct m_conn {
	bool is_domain;
	uint32_t key;			/* domid, or conn_id of a socket */
	struct xss_domain dom;
	struct xss_socket sock;
	struct xss_quota *quota;	/* NULL: none */
	struct xss_watch *watches;
	size_t nwatches, cwatches;
	struct m_txn **txns;
	size_t ntxns, ctxns;
	struct xss_buffer input, output;	/* len 0: none */
	struct xss_buffer partial;	/* PARTIAL_OUTPUT, len 0: none */
};

struct model {
	struct xss_header hdr;
	bool have_global;
	struct xss_global global;
	struct xss_quota *defaults;	/* NULL: none */
	struct xss_special *specials;
	size_t nspecials, cspecials;
	struct xss_node *nodes;
	size_t nnodes, cnodes;
	struct m_conn **conns;
	size_t nconns, cconns;
};

/* The image at path ("-": standard input).  NULL after printing why. */
struct model *model_open(TALLOC_CTX *mem_ctx, const char *path);

int cmp_u32(uint32_t a, uint32_t b);
/* Paths in tree order: a node's subtree follows it directly. */
int path_cmp(const char *a, const char *b);
/*
 * The orders of the model's arrays, for qsort() and for the merge of
 * diff; each takes pointers to two elements of the array (for conns
 * and txns, pointers to the pointers).
 */
int quota_entry_cmp(const void *a, const void *b);
int special_cmp(const void *a, const void *b);
int node_cmp(const void *a, const void *b);
int conn_cmp(const void *a, const void *b);
int watch_cmp(const void *a, const void *b);
int txn_cmp(const void *a, const void *b);
int tnode_cmp(const void *a, const void *b);
int tevent_cmp(const void *a, const void *b);
int removed_cmp(const void *a, const void *b);

/* -- tool_diff.c ---------------------------------------------------- */

struct diff_opts {
	bool generations;	/* compare generation counters too */
	bool strict;		/* header differences count */
	bool ignore_fds;	/* descriptors do not count */
};

/* The exit status of "diff" of the images at paths a and b. */
int diff_images(TALLOC_CTX *ctx, const struct diff_opts *opts,
		const char *a, const char *b);

/* -- tool_libxl.c: libxl migration streams -------------------------- */

/*
 * The libxl stream of Xen's docs/specs/libxl-migration-stream.pandoc
 * (header ident "LibxlFmt", version 2, records of type and length padded
 * to 8 octets), perhaps behind the save file header of xl, with the
 * libxc stream of docs/specs/libxc-migration-stream.pandoc following each
 * LIBXC_CONTEXT record, and at most one DOMAIN_XENSTORE_DATA record whose
 * body is an xs-state image (docs/libxl-stream.md).
 */
#define LX_REC_END			0x00000000
#define LX_REC_LIBXC_CONTEXT		0x00000001
#define LX_REC_EMULATOR_XENSTORE_DATA	0x00000002
#define LX_REC_EMULATOR_CONTEXT		0x00000003
#define LX_REC_CHECKPOINT_END		0x00000004
#define LX_REC_CHECKPOINT_STATE		0x00000005
/* Ours; not (yet) allocated upstream. */
#define LX_REC_DOMAIN_XENSTORE_DATA	0x00000007
#define LX_REC_OPTIONAL			0x80000000u

#define LX_HEADER_LEN 16		/* ident u64, version u32, options u32 */
#define LX_REC_HEADER_LEN 8		/* type u32, length u32 */
#define LX_ALIGN 8
#define XL_HEADER_LEN 48		/* magic[32], four u32 */

/* The save file header of xl (tools/xl/xl.h), when there is one. */
struct xl_header {
	bool big_endian;		/* of its u32 fields */
	uint32_t mandatory_flags, optional_flags;
	uint32_t optional_data_len;
	bool has_config;		/* optional data holds the config */
	uint32_t config_len;
};

struct lx_record {
	uint32_t index;			/* 1 for the first record */
	uint64_t offset;		/* of its header in the stream */
	uint32_t type, len;		/* len: of the body */
};

/* One run of libxc records: after LIBXC_CONTEXT or after a checkpoint. */
struct lx_libxc {
	uint64_t offset, bytes;		/* in the stream, headers included */
	bool headers;			/* starts with the two libxc headers */
	uint32_t version;		/* of the image header */
	bool big_endian;
	uint32_t domain_type, page_shift, xen_major, xen_minor;
	uint32_t records;		/* libxc records in this run */
	uint32_t last_type;		/* END, or CHECKPOINT */
};

struct lx_stream {
	const char *name;		/* for messages */
	int fd;
	uint8_t *buf;			/* input not yet taken: buf[pos..end) */
	size_t pos, end;
	bool eof;
	uint64_t off;			/* stream offset of buf[pos] */
	FILE *out;			/* what is passed through, or NULL */
	char *error;			/* why the walk stopped */

	bool has_xl;
	struct xl_header xl;
	uint64_t header_offset;		/* of the libxl header */
	bool big_endian;		/* of the libxl records */
	uint32_t options;
	uint32_t records;		/* after a walk: the index of END */
	uint64_t size;			/* octets up to the end of END */

	/* DOMAIN_XENSTORE_DATA, if the walk met it */
	struct lx_record xsd;		/* index 0: none */
	uint8_t *image;			/* its body */
};

/* What the walk does with a record that lx_walk() passes to record(). */
#define LX_KEEP 0			/* pass it through to out */
#define LX_DROP 1			/* leave it out */

struct lx_visitor {
	/* Both headers read (and passed through).  0 to go on, or -1. */
	int (*headers)(void *arg, struct lx_stream *s);
	/*
	 * A libxl record's header, before its body: LX_KEEP, LX_DROP, or -1
	 * after lx_fail().  END is passed too, before the walk checks that
	 * nothing follows it; the callback may write to s->out first.
	 */
	int (*record)(void *arg, struct lx_stream *s,
		      const struct lx_record *rec);
	/* A run of libxc records, read to its END or CHECKPOINT. */
	void (*libxc)(void *arg, const struct lx_libxc *x);
};

/* The libxl spec's name of a record type ("OPTIONAL", "UNKNOWN"). */
const char *lx_type_name(uint32_t type);
/* Set s->error (printf-style); returns -1. */
int lx_fail(struct lx_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s->error on standard error, after what stdout holds. */
void lx_error(const struct lx_stream *s);
/* A stream on fd, owning it.  NULL (out of memory) after printing why. */
struct lx_stream *lx_open_fd(TALLOC_CTX *mem_ctx, const char *name, int fd);
/* Whether the input starts as a libxl stream or an xl save file does. */
bool lx_probe(struct lx_stream *s);
/*
 * Read the whole stream, passing it through to s->out (if set) but for
 * what the visitor drops.  0, or -1 with s->error set.
 */
int lx_walk(struct lx_stream *s, const struct lx_visitor *v, void *arg);
/* A record header in the stream's byte order, into hdr[8]. */
void lx_record_header(const struct lx_stream *s, uint8_t *hdr,
		      uint32_t type, uint32_t len);

/*
 * The argument of dump or verify (path, or "-"): a libxl stream in *st,
 * or an image in *img.  0, or EXIT_BAD after printing why.
 */
int input_open(TALLOC_CTX *mem_ctx, const char *path, struct image **img,
	       struct lx_stream **st);

/* -- tool_stream.c: dump and verify of a stream ---------------------- */

int stream_dump(struct lx_stream *s, bool json);
int stream_verify(struct lx_stream *s);
/*
 * Read and check the whole image that is (or is to be) the body of a
 * DOMAIN_XENSTORE_DATA record of len octets: a MIGRATION image that ends
 * where the body does.  0, or EXIT_BAD after printing why.
 */
int xsd_image_check(struct image *img, uint64_t len);

/* -- tool_embed.c ---------------------------------------------------- */

/* The exit status of "embed" and "extract"; out NULL: standard output. */
int embed_image(TALLOC_CTX *ctx, const char *stream, const char *image,
		const char *out);
int extract_image(TALLOC_CTX *ctx, const char *stream, const char *image,
		  const char *strip);
/*
 * The whole file at path ("-": standard input) in memory, *len octets;
 * NULL after printing why.
 */
uint8_t *slurp(TALLOC_CTX *mem_ctx, const char *path, size_t *len);

/* -- tool_upstream.c -------------------------------------------------- */

/* The exit status of "to-upstream"; out "-": standard output. */
int to_upstream(TALLOC_CTX *ctx, const char *image, const char *out);

#endif /* XSS_TOOL_H */
