// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tool_stats.c - "verify" and "stats": read a whole image through the
 * library's checks, then say OK with its size, or print records, bytes
 * and padding per record type.
 */
#include <inttypes.h>
#include <string.h>

#include "tool.h"

/* Display order of the types: the order of an image. */
static const uint32_t stats_order[] = {
	XSS_REC_GLOBAL_DATA, XSS_REC_QUOTA_DATA, XSS_REC_SPECIAL_PERMS,
	XSS_REC_STORE_FD, XSS_REC_NODE_DATA, XSS_REC_DOMAIN_START, XSS_REC_SOCKET_START,
	XSS_REC_WATCH_DATA, XSS_REC_TRANSACTION_DATA,
	XSS_REC_TRANSACTION_NODE_DATA, XSS_REC_TRANSACTION_EVENT,
	XSS_REC_CONN_INPUT, XSS_REC_PARTIAL_OUTPUT, XSS_REC_GUEST_RING_DATA,
	XSS_REC_LIVE_UPDATE, XSS_REC_END,
};

struct type_stats {
	uint64_t count, bytes, padding;
};

struct image_stats {
	struct type_stats type[XSS_REC_TYPE_COUNT];
	struct type_stats skipped;	/* optional records skipped */
	uint64_t records, size;
};

static int
count_record(void *arg, const struct xss_record *rec)
{
	struct image_stats *st = arg;
	uint64_t total = rec_size(rec->len);

	if (rec->type < XSS_REC_TYPE_COUNT) {
		st->type[rec->type].count++;
		st->type[rec->type].bytes += total;
		st->type[rec->type].padding +=
			total - XSS_REC_HEADER_LEN - rec->len;
	}
	return 0;
}

static void
count_skipped(void *arg, uint64_t offset, uint64_t bytes, uint32_t first,
	      uint32_t last)
{
	struct image_stats *st = arg;

	(void)offset;
	st->skipped.count += last - first + 1;
	st->skipped.bytes += bytes;
}

/*
 * Read the header and every record, counting.  0, or EXIT_BAD after
 * printing the reader's error.
 */
static int
count_records(struct image *img, struct image_stats *st)
{
	static const struct image_visitor visitor = {
		.record = count_record,
		.skipped = count_skipped,
	};

	memset(st, 0, sizeof(*st));
	if (image_read_header(img))
		return EXIT_BAD;
	if (image_walk(img, &visitor, st)) {
		image_error(img);
		return EXIT_BAD;
	}
	st->records = img->records;
	st->size = img->size;
	return 0;
}

/* The table of "stats". */
static void
print_stats(TALLOC_CTX *mem_ctx, const struct xss_header *h,
	    const struct image_stats *st)
{
	uint64_t padding = 0, nodes;
	unsigned int i;

	printf("kind        %s\n", xss_kind_name(h->kind));
	if (h->domid != XSS_NO_DOMID)
		printf("domid       %" PRIu32 "\n", h->domid);
	printf("version     %" PRIu32 "\n", h->version);
	printf("byte order  %s\n", order_name(h->big_endian));
	printf("producer    %s\n\n", fmt_str(mem_ctx, h->producer));
	printf("%-24s %10s %12s %10s\n", "type", "records", "bytes",
	       "padding");
	printf("%-24s %10s %12d %10d\n", "header", "-", XSS_HEADER_LEN, 0);
	for (i = 0; i < ARRAY_SIZE(stats_order); i++) {
		const struct type_stats *t = &st->type[stats_order[i]];

		printf("%-24s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n",
		       xss_type_name(stats_order[i]), t->count, t->bytes,
		       t->padding);
		padding += t->padding;
	}
	if (st->skipped.bytes)
		printf("%-24s %10" PRIu64 " %12" PRIu64 " %10s\n",
		       "optional (skipped)", st->skipped.count,
		       st->skipped.bytes, "-");
	printf("%-24s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 "\n\n",
	       "total", st->records, st->size, padding);

	nodes = st->type[XSS_REC_NODE_DATA].count;
	printf("nodes                   %" PRIu64 "\n", nodes);
	if (nodes) {
		printf("NODE_DATA bytes/node    %.2f\n",
		       (double)st->type[XSS_REC_NODE_DATA].bytes /
		       (double)nodes);
		printf("image bytes/node        %.2f\n",
		       (double)st->size / (double)nodes);
	} else {
		printf("NODE_DATA bytes/node    -\n");
		printf("image bytes/node        -\n");
	}
}

int
stats_verify(struct image *img)
{
	struct image_stats st;

	if (count_records(img, &st))
		return EXIT_BAD;
	printf("OK: %s image, %" PRIu64 " records, %" PRIu64 " bytes\n",
	       xss_kind_name(img->hdr.kind), st.records, st.size);
	return finish_stdout();
}

int
stats_print(struct image *img)
{
	struct image_stats st;

	if (count_records(img, &st))
		return EXIT_BAD;
	print_stats(img, &img->hdr, &st);
	return finish_stdout();
}
