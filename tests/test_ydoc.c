/* test_ydoc: the YAML document layer: positions, every error path with its
 * exact message and line:col (malformed YAML, duplicate keys, aliases,
 * typed values, units, schema keys, --set), PowerShell block scalars kept
 * byte for byte with their origin, the canonical hash, and the key
 * reference in docs/scenario.md. */
#include "ydoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "test_util.h"

/* ---- helpers --------------------------------------------------------- */

static int same_msg(const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return 1;
    fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
    return 0;
}

#define EXPECT_MSG(err, want) CU_ASSERT(same_msg((err).msg, (want)))

static struct ydoc *load(const char *text)
{
    struct ydoc *doc = NULL;
    struct ydoc_err err = {0};
    int rc = ydoc_load_string(text, strlen(text), "s.yaml", &doc, &err);
    if (rc)
        fprintf(stderr, "\n  unexpected load error: %s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    return doc;
}

static void load_fails(const char *text, size_t len, const char *want)
{
    struct ydoc *doc = (struct ydoc *)1;
    struct ydoc_err err = {0};
    CU_ASSERT_EQUAL(ydoc_load_string(text, len, "s.yaml", &doc, &err), -EINVAL);
    CU_ASSERT_PTR_NULL(doc);
    EXPECT_MSG(err, want);
}

#define LOAD_FAILS(text, want) load_fails((text), sizeof(text) - 1, (want))

static const struct ydoc_node *at_path(const struct ydoc *doc, const char *path)
{
    /* Walks "a.b.0.c" (no quoting) for the tests. */
    const struct ydoc_node *n = ydoc_root(doc);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *seg = strtok_r(buf, ".", &save); seg && n;
         seg = strtok_r(NULL, ".", &save))
        n = ydoc_kind(n) == YDOC_SEQ ? ydoc_item(n, (size_t)atoi(seg)) : ydoc_map_get(n, seg, NULL);
    CU_ASSERT_PTR_NOT_NULL(n);
    return n;
}

/* ---- the tree and positions ------------------------------------------- */

static void test_tree_positions(void)
{
    static const char text[] = "# a comment\n"
                               "scenario: { name: demo, duration: 20ms }\n"
                               "hosts:\n"
                               "  hv1:\n"
                               "    vms: [vm1, 'vm 2']\n"
                               "    nics:\n"
                               "      \"SLOT 2\": cx5\n"
                               "list:\n"
                               "  - !!str 7\n"
                               "  - \"\xe2\x80\x9cq\xe2\x80\x9d\"\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *root = ydoc_root(doc);
    CU_ASSERT_EQUAL(ydoc_kind(root), YDOC_MAP);
    CU_ASSERT_EQUAL(ydoc_count(root), 3);
    CU_ASSERT_STRING_EQUAL(ydoc_key(root, 0), "scenario");
    CU_ASSERT_STRING_EQUAL(ydoc_key(root, 1), "hosts");
    CU_ASSERT_STRING_EQUAL(ydoc_key(root, 2), "list");
    struct ydoc_pos p = ydoc_pos(ydoc_key_node(root, 1));
    CU_ASSERT_STRING_EQUAL(p.file, "s.yaml");
    CU_ASSERT_EQUAL(p.line, 3);
    CU_ASSERT_EQUAL(p.col, 1);

    const struct ydoc_node *scen = at_path(doc, "scenario");
    CU_ASSERT_EQUAL(ydoc_pos(scen).line, 2);
    CU_ASSERT_EQUAL(ydoc_pos(scen).col, 11); /* the '{' */
    const struct ydoc_node *dur = at_path(doc, "scenario.duration");
    CU_ASSERT_EQUAL(ydoc_pos(dur).line, 2);
    CU_ASSERT_EQUAL(ydoc_pos(dur).col, 35);
    size_t idx = 99;
    CU_ASSERT_PTR_EQUAL(ydoc_map_get(scen, "duration", &idx), dur);
    CU_ASSERT_EQUAL(idx, 1);
    CU_ASSERT_EQUAL(ydoc_pos(ydoc_key_node(scen, 1)).col, 25);
    CU_ASSERT_PTR_NULL(ydoc_map_get(scen, "Duration", NULL)); /* keys are case-sensitive */

    const struct ydoc_node *vm2 = at_path(doc, "hosts.hv1.vms.1");
    CU_ASSERT_STRING_EQUAL(ydoc_text(vm2), "vm 2");
    CU_ASSERT_EQUAL(ydoc_style(vm2), YDOC_SINGLE_QUOTED);
    CU_ASSERT_EQUAL(ydoc_pos(vm2).line, 5);
    CU_ASSERT_EQUAL(ydoc_pos(vm2).col, 16);
    int line, col0;
    ydoc_text_origin(vm2, &line, &col0);
    CU_ASSERT_EQUAL(line, 5);
    CU_ASSERT_EQUAL(col0, 16); /* text column 1 is file column 17 */

    const struct ydoc_node *nics = at_path(doc, "hosts.hv1.nics");
    CU_ASSERT_STRING_EQUAL(ydoc_key(nics, 0), "SLOT 2");
    CU_ASSERT_EQUAL(ydoc_style(ydoc_key_node(nics, 0)), YDOC_DOUBLE_QUOTED);
    CU_ASSERT_EQUAL(ydoc_pos(ydoc_key_node(nics, 0)).col, 7);
    CU_ASSERT_EQUAL(ydoc_pos(ydoc_value(nics, 0)).col, 17);

    const struct ydoc_node *tagged = at_path(doc, "list.0");
    CU_ASSERT_STRING_EQUAL(ydoc_tag(tagged), "tag:yaml.org,2002:str");
    CU_ASSERT_STRING_EQUAL(ydoc_text(tagged), "7");
    /* Columns count characters: the curly quotes are one column each. */
    const struct ydoc_node *curly = at_path(doc, "list.1");
    CU_ASSERT_EQUAL(ydoc_text_len(curly), 7);
    CU_ASSERT_EQUAL(ydoc_pos(curly).col, 5);

    char path[128];
    CU_ASSERT_EQUAL(ydoc_path(vm2, path, sizeof path), 15);
    CU_ASSERT_STRING_EQUAL(path, "hosts.hv1.vms.1");
    ydoc_path(ydoc_value(nics, 0), path, sizeof path);
    CU_ASSERT_STRING_EQUAL(path, "hosts.hv1.nics.SLOT 2");
    CU_ASSERT_EQUAL(ydoc_path(root, path, sizeof path), 0);
    CU_ASSERT_PTR_EQUAL(ydoc_parent(vm2), at_path(doc, "hosts.hv1.vms"));
    CU_ASSERT_PTR_NULL(ydoc_parent(root));
    ydoc_free(doc);

    /* A UTF-8 byte order mark is skipped and not counted in columns. */
    doc = load("\xef\xbb\xbfscenario: { name: x }\n");
    CU_ASSERT_EQUAL(ydoc_pos(ydoc_key_node(ydoc_root(doc), 0)).col, 1);
    CU_ASSERT_EQUAL(ydoc_pos(at_path(doc, "scenario.name")).col, 19);
    ydoc_free(doc);
    LOAD_FAILS("\xef\xbb\xbf" "a: [1\n",
               "s.yaml:2:1: expected ',' or ']' in the list opened at line 1, column 4");

    /* An empty file is an empty mapping. */
    doc = load("# nothing\n");
    CU_ASSERT_EQUAL(ydoc_kind(ydoc_root(doc)), YDOC_MAP);
    CU_ASSERT_EQUAL(ydoc_count(ydoc_root(doc)), 0);
    ydoc_free(doc);
    ydoc_free(NULL);
}

static void test_load_file(void)
{
    char dir[512], path[600];
    CU_ASSERT_EQUAL_FATAL(test_tmpdir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/f.yaml", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("a: 1\r\nb:\r\n  - x\r\n", f); /* CRLF line ends */
    fclose(f);
    struct ydoc *doc = NULL;
    struct ydoc_err err = {0};
    CU_ASSERT_EQUAL_FATAL(ydoc_load_file(path, &doc, &err), 0);
    CU_ASSERT_STRING_EQUAL(ydoc_file(doc), path);
    const struct ydoc_node *x = at_path(doc, "b.0");
    CU_ASSERT_EQUAL(ydoc_pos(x).line, 3);
    CU_ASSERT_EQUAL(ydoc_pos(x).col, 5);
    CU_ASSERT_STRING_EQUAL(ydoc_pos(x).file, path);
    ydoc_free(doc);

    snprintf(path, sizeof path, "%s/missing.yaml", dir);
    CU_ASSERT_EQUAL(ydoc_load_file(path, &doc, &err), -ENOENT);
    CU_ASSERT_PTR_NULL(doc);
    char want[700];
    snprintf(want, sizeof want, "%s:1:1: cannot read: No such file or directory", path);
    EXPECT_MSG(err, want);
}

/* ---- malformed YAML ----------------------------------------------------- */

static void test_malformed(void)
{
    LOAD_FAILS("a: 1\nb:\n  c: 2\n d: 3\n",
               "s.yaml:4:2: expected a 'key: value' line of the mapping at line 1, column 1; "
               "check this line's indentation");
    LOAD_FAILS("hosts:\n  hv1: x\n- hv2\n",
               "s.yaml:3:1: expected a 'key: value' line of the mapping at line 1, column 1; "
               "check this line's indentation");
    LOAD_FAILS("a:\n\tb: 1\n", "s.yaml:2:1: a tab cannot indent YAML or start a value; use spaces");
    LOAD_FAILS("a: |\n\tb\n", "s.yaml:2:1: a tab cannot be used for indentation; use spaces");
    LOAD_FAILS("x: 1\na: \"abc\nb: 3\n",
               "s.yaml:2:4: unterminated quoted string: no closing quote before the end of the "
               "file");
    LOAD_FAILS("a: [1, 2\nb: 3\n",
               "s.yaml:2:2: expected ',' or ']' in the list opened at line 1, column 4");
    LOAD_FAILS("a: {x: 1\n", "s.yaml:2:1: expected ',' or '}' in the mapping opened at line 1, "
                             "column 4");
    LOAD_FAILS("a: 1\nb: x: y\n",
               "s.yaml:2:5: unexpected ':' here: quote a value that contains ': ', start a nested "
               "mapping on its own line, or look for a missing ':' above");
    LOAD_FAILS("a:\n  - b\n  c: d\n",
               "s.yaml:3:3: expected a '- ' item of the list at line 2, column 3; check this "
               "line's indentation");
    LOAD_FAILS("path: \"C:\\data\"\n",
               "s.yaml:1:10: unknown escape in a double-quoted string: write '\\\\' for a "
               "backslash, or use single quotes");
    LOAD_FAILS("a: @x\n", "s.yaml:1:4: '@' cannot start a plain value (it is reserved); quote "
                          "the value");
    LOAD_FAILS("a: |x\n  b\n", "s.yaml:1:5: after '|' or '>' only an indentation or chomping "
                               "indicator ('|2', '|-', '|+') or a comment may follow on the same "
                               "line");
    LOAD_FAILS("a: 1\nb: \xff\n", "s.yaml:2:4: the file is not valid UTF-8 (invalid leading UTF-8 "
                                  "octet, byte 0xFF); save it as UTF-8");
    LOAD_FAILS("a: 1\n---\nb: 2\n",
               "s.yaml:2:1: a second YAML document starts here; a scenario file holds one");
    LOAD_FAILS("ends: [hv1/SLOT 2:, tor1/1]\n",
               "s.yaml:1:18: ':' cannot end a plain value inside [ ] or { } (a key needs ': ' "
               "with a space); quote a value that contains ':'");
    LOAD_FAILS("? [a, b]\n: c\n", "s.yaml:1:3: a mapping key must be a scalar, not a list");
}

static void test_duplicate_keys(void)
{
    LOAD_FAILS("hosts:\n  hv1: {}\n  hv2: {}\n  hv1: {}\n",
               "s.yaml:4:3: duplicate key 'hv1' in 'hosts' (first at line 2, column 3)");
    LOAD_FAILS("scenario: {}\nscenario: {}\n",
               "s.yaml:2:1: duplicate key 'scenario' at the top level (first at line 1, column 1)");
    LOAD_FAILS("s: { name: a, name: b }\n",
               "s.yaml:1:15: duplicate key 'name' in 's' (first at line 1, column 6)");
    /* Quoting does not make a different key. */
    LOAD_FAILS("a: 1\n'a': 2\n",
               "s.yaml:2:1: duplicate key 'a' at the top level (first at line 1, column 1)");
    /* Keys are case-sensitive: these are two keys. */
    struct ydoc *doc = load("a: 1\nA: 2\n");
    CU_ASSERT_EQUAL(ydoc_count(ydoc_root(doc)), 2);
    ydoc_free(doc);
}

static void test_anchors(void)
{
    static const char text[] = "nic_models:\n"
                               "  cx5: &cx5 { manufacturer: Mellanox, rate: 25Gbps }\n"
                               "  cx5b: *cx5\n"
                               "rate: &r 10Gbps\n"
                               "other: *r\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *b = at_path(doc, "nic_models.cx5b");
    CU_ASSERT_EQUAL(ydoc_kind(b), YDOC_MAP);
    CU_ASSERT_EQUAL(ydoc_pos(b).line, 3); /* the alias */
    CU_ASSERT_EQUAL(ydoc_pos(b).col, 9);
    const struct ydoc_node *rate = at_path(doc, "nic_models.cx5b.rate");
    CU_ASSERT_STRING_EQUAL(ydoc_text(rate), "25Gbps");
    CU_ASSERT_EQUAL(ydoc_pos(rate).line, 2); /* where the text is */
    CU_ASSERT_NOT_EQUAL(rate, at_path(doc, "nic_models.cx5.rate")); /* a copy */
    char path[64];
    ydoc_path(rate, path, sizeof path);
    CU_ASSERT_STRING_EQUAL(path, "nic_models.cx5b.rate");
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc, "other")), "10Gbps");
    CU_ASSERT_EQUAL(ydoc_pos(at_path(doc, "other")).line, 5);
    /* Overriding the copy leaves the anchor's node alone. */
    struct ydoc_err err;
    CU_ASSERT_EQUAL(ydoc_set(doc, "nic_models.cx5b.rate", "40Gbps", &err), 0);
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc, "nic_models.cx5.rate")), "25Gbps");
    ydoc_free(doc);

    LOAD_FAILS("a: *RssBaseProcNumber\n",
               "s.yaml:1:4: unknown alias '*RssBaseProcNumber' (no anchor '&RssBaseProcNumber' "
               "before it); quote a value that starts with '*'");
    LOAD_FAILS("a: & x\n", "s.yaml:1:4: '&' starts an anchor and must be followed by its name; "
                           "quote a value that starts with '&'");
    LOAD_FAILS("a: &x [1, *x]\n",
               "s.yaml:1:11: alias '*x' is inside the node it refers to (line 1, column 4)");
    LOAD_FAILS("base: &b { a: 1 }\nhost:\n  <<: *b\n",
               "s.yaml:3:3: merge keys ('<<') are not supported: repeat the keys, or alias the "
               "whole value (key: *name)");
    /* "Billion laughs": each level ten times the one before. */
    static const char laughs[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                                 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                                 "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                                 "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                                 "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    struct ydoc *big = (struct ydoc *)1;
    CU_ASSERT_EQUAL(ydoc_load_string(laughs, sizeof laughs - 1, "s.yaml", &big, &err), -EINVAL);
    CU_ASSERT_PTR_NULL(big);
    EXPECT_MSG(err, "s.yaml:6:36: alias '*e' makes the document larger than 1000000 nodes");
}

static void test_depth_limit(void)
{
    char text[2 * YDOC_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i <= YDOC_MAX_DEPTH; i++)
        text[n++] = '[';
    for (int i = 0; i <= YDOC_MAX_DEPTH; i++)
        text[n++] = ']';
    char want[128];
    snprintf(want, sizeof want, "s.yaml:1:%d: collections nested deeper than %d levels",
             YDOC_MAX_DEPTH + 1, YDOC_MAX_DEPTH);
    load_fails(text, n, want);
}

/* ---- typed values ------------------------------------------------------- */

static void test_strings_and_bools(void)
{
    static const char text[] = "m:\n"
                               "  name: demo\n"
                               "  empty:\n"
                               "  tilde: ~\n"
                               "  t: yes\n"
                               "  f: Off\n"
                               "  T: TRUE\n"
                               "  q: \"yes\"\n"
                               "  maybe: maybe\n"
                               "  blk: |\n"
                               "    true\n"
                               "  nul: \"a\\0b\"\n"
                               "  tagged: !!bool 'false'\n"
                               "  strtag: !!str true\n"
                               "  list: [1]\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *m = at_path(doc, "m");
    struct ydoc_err err;
    const char *s = NULL;
    bool b = false;
    CU_ASSERT_EQUAL(ydoc_get_str(m, "name", YDOC_REQUIRED, &s, &err), 0);
    CU_ASSERT_STRING_EQUAL(s, "demo");
    CU_ASSERT_EQUAL(ydoc_get_str(m, "t", 0, &s, &err), 0); /* any scalar is a string */
    CU_ASSERT_STRING_EQUAL(s, "yes");
    CU_ASSERT_EQUAL(ydoc_get_str(m, "blk", 0, &s, &err), 0);
    CU_ASSERT_STRING_EQUAL(s, "true\n");
    s = "default";
    CU_ASSERT_EQUAL(ydoc_get_str(m, "absent", 0, &s, &err), 0);
    CU_ASSERT_STRING_EQUAL(s, "default");
    CU_ASSERT_EQUAL(ydoc_get_str(m, "empty", 0, &s, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:3:9: 'empty' has no value (expected a string)");
    CU_ASSERT(ydoc_is_null(at_path(doc, "m.tilde")));
    CU_ASSERT_EQUAL(ydoc_get_str(m, "tilde", 0, &s, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:4:10: 'tilde' has no value (expected a string)");
    CU_ASSERT_EQUAL(ydoc_get_str(m, "nul", 0, &s, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:12:8: 'nul: a\\0b': a string cannot contain a NUL character");
    CU_ASSERT_EQUAL(ydoc_get_str(m, "list", 0, &s, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:15:9: 'list': expected a string, got a list");

    CU_ASSERT_EQUAL(ydoc_get_bool(m, "t", 0, &b, &err), 0);
    CU_ASSERT(b);
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "f", 0, &b, &err), 0);
    CU_ASSERT(!b);
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "T", 0, &b, &err), 0);
    CU_ASSERT(b);
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "tagged", 0, &b, &err), 0);
    CU_ASSERT(!b);
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "q", 0, &b, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:8:6: 'q: yes': expected a boolean (true/false, yes/no, on/off), not a "
                    "quoted string (remove the quotes)");
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "maybe", 0, &b, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:9:10: 'maybe: maybe': expected a boolean (true/false, yes/no, on/off)");
    /* A block scalar (a PowerShell block) is a string, never a boolean. */
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "blk", 0, &b, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:10:8: 'blk: true\\n': expected a boolean (true/false, yes/no, on/off), "
                    "not a block scalar");
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "strtag", 0, &b, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:14:11: 'strtag: true': expected a boolean (true/false, yes/no, "
                    "on/off), "
                    "but the value is tagged 'tag:yaml.org,2002:str'");
    CU_ASSERT_EQUAL(ydoc_get_bool(m, "absent", YDOC_REQUIRED, &b, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:2:3: missing required key 'absent' in 'm'");
    CU_ASSERT_PTR_NULL(ydoc_require(m, "nope", &err));
    EXPECT_MSG(err, "s.yaml:2:3: missing required key 'nope' in 'm'");
    CU_ASSERT_PTR_NULL(ydoc_require(at_path(doc, "m.list"), "x", &err));
    EXPECT_MSG(err, "s.yaml:15:9: 'list': expected a mapping, got a list");
    CU_ASSERT_EQUAL(ydoc_get_str(ydoc_root(doc), "x", YDOC_REQUIRED, &s, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:1:1: missing required key 'x' at the top level");
    ydoc_free(doc);
}

static void test_numbers(void)
{
    static const char text[] = "n:\n"
                               "  a: 42\n"
                               "  b: -7\n"
                               "  c: 1_000_000\n"
                               "  d: 0x1F\n"
                               "  e: 300\n"
                               "  f: x7\n"
                               "  g: '5'\n"
                               "  h: 99999999999999999999\n"
                               "  i: 0.25\n"
                               "  j: 1e-3\n"
                               "  k: 1.5\n"
                               "  l: inf\n"
                               "  m: 18446744073709551615\n"
                               "  o: -1\n"
                               "  p: 0x\n"
                               "  seq: [3, 9, 1]\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *n = at_path(doc, "n");
    struct ydoc_err err;
    int64_t v = 0;
    uint64_t u = 0;
    double d = 0;
    CU_ASSERT_EQUAL(ydoc_get_int(n, "a", 0, 0, 100, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_EQUAL(ydoc_get_int(n, "b", 0, INT64_MIN, INT64_MAX, &v, &err), 0);
    CU_ASSERT_EQUAL(v, -7);
    CU_ASSERT_EQUAL(ydoc_get_int(n, "c", 0, 0, INT64_MAX, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 1000000);
    CU_ASSERT_EQUAL(ydoc_get_int(n, "d", 0, 0, 255, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 31);
    CU_ASSERT_EQUAL(ydoc_get_int(n, "e", 0, 0, 256, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:6:6: 'e: 300': out of range (0..256)");
    CU_ASSERT_EQUAL(ydoc_get_int(n, "f", 0, 0, 256, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:7:6: 'f: x7': expected an integer");
    CU_ASSERT_EQUAL(ydoc_get_int(n, "g", 0, 0, 256, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:8:6: 'g: 5': expected an integer, not a quoted string (remove the "
                    "quotes)");
    CU_ASSERT_EQUAL(ydoc_get_int(n, "h", 0, INT64_MIN, INT64_MAX, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:9:6: 'h: 99999999999999999999': out of range (a 64-bit integer)");
    CU_ASSERT_EQUAL(ydoc_get_int(n, "p", 0, 0, 9, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:16:6: 'p: 0x': expected an integer");
    CU_ASSERT_EQUAL(ydoc_get_u64(n, "m", 0, 0, UINT64_MAX, &u, &err), 0);
    CU_ASSERT_EQUAL(u, UINT64_MAX);
    CU_ASSERT_EQUAL(ydoc_get_u64(n, "o", 0, 0, UINT64_MAX, &u, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:15:6: 'o: -1': out of range (0..18446744073709551615)");

    CU_ASSERT_EQUAL(ydoc_get_double(n, "i", 0, 0, 1, &d, &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.25, 1e-12);
    CU_ASSERT_EQUAL(ydoc_get_double(n, "j", 0, 0, 1, &d, &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.001, 1e-12);
    CU_ASSERT_EQUAL(ydoc_get_double(n, "a", 0, 0, 100, &d, &err), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 42, 1e-12);
    CU_ASSERT_EQUAL(ydoc_get_double(n, "k", 0, 0, 1, &d, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:12:6: 'k: 1.5': out of range (0..1)");
    CU_ASSERT_EQUAL(ydoc_get_double(n, "l", 0, 0, 1, &d, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:13:6: 'l: inf': expected a number");
    CU_ASSERT_EQUAL(ydoc_get_double(n, "f", 0, 0, 1, &d, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:7:6: 'f: x7': expected a number");

    int64_t *list = NULL;
    size_t count = 0;
    CU_ASSERT_EQUAL(ydoc_get_int_list(n, "seq", 0, 0, 7, &list, &count, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:17:12: 'seq.1: 9': out of range (0..7)");
    CU_ASSERT_EQUAL(ydoc_get_int_list(n, "seq", 0, 0, 9, &list, &count, &err), 0);
    CU_ASSERT_EQUAL_FATAL(count, 3);
    CU_ASSERT(list[0] == 3 && list[1] == 9 && list[2] == 1);
    free(list);
    CU_ASSERT_EQUAL(ydoc_get_int_list(n, "a", 0, 0, 9, &list, &count, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:2:6: 'a': expected a list, got a scalar");
    ydoc_free(doc);
}

static void test_units(void)
{
    static const char text[] = "x: 1\n"
                               "scenario:\n"
                               "  duration:     20 mins\n"
                               "  d2: 1.5us\n"
                               "  zero: 0\n"
                               "  bare: 10\n"
                               "  rate: 25Gbps\n"
                               "  rate2: \"25 Gbit\"\n"
                               "  size: 96KiB\n"
                               "  size2: -1MB\n"
                               "  blk: |\n"
                               "    20ms\n"
                               "  m: {}\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *s = at_path(doc, "scenario");
    struct ydoc_err err;
    sim_time_t t = 0;
    uint64_t v = 0;
    CU_ASSERT_EQUAL(ydoc_get_time(s, "duration", YDOC_REQUIRED, &t, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:3:17: 'duration: 20 mins': unknown time unit 'mins' (expected ps, ns, "
                    "us, ms, s)");
    CU_ASSERT_EQUAL(err.line, 3);
    CU_ASSERT_EQUAL(err.col, 17);
    CU_ASSERT_EQUAL(ydoc_get_time(s, "d2", 0, &t, &err), 0);
    CU_ASSERT_EQUAL(t, 1500000);
    CU_ASSERT_EQUAL(ydoc_get_time(s, "zero", 0, &t, &err), 0);
    CU_ASSERT_EQUAL(t, 0);
    CU_ASSERT_EQUAL(ydoc_get_time(s, "bare", 0, &t, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:6:9: 'bare: 10': missing unit (expected ps, ns, us, ms, s)");
    CU_ASSERT_EQUAL(ydoc_get_time(s, "blk", 0, &t, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:11:8: 'blk: 20ms\\n': expected a time, not a block scalar");
    CU_ASSERT_EQUAL(ydoc_get_time(s, "m", 0, &t, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:13:6: 'm': expected a time, got a mapping");
    CU_ASSERT_EQUAL(ydoc_get_rate(s, "rate", 0, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 25000000000ULL);
    CU_ASSERT_EQUAL(ydoc_get_rate(s, "rate2", 0, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:8:10: 'rate2: 25 Gbit': unknown rate unit 'Gbit' (expected bps, Kbps, "
                    "Mbps, Gbps, Tbps)");
    CU_ASSERT_EQUAL(ydoc_get_size(s, "size", 0, &v, &err), 0);
    CU_ASSERT_EQUAL(v, 96 * 1024);
    CU_ASSERT_EQUAL(ydoc_get_size(s, "size2", 0, &v, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:10:10: 'size2: -1MB': a size cannot be negative");
    ydoc_free(doc);
}

static void test_enums_and_lists(void)
{
    static const char *const kinds[] = {"tcp", "udp", "roce", "iwarp", NULL};
    static const char text[] = "t:\n"
                               "  kind: RoCE\n"
                               "  bad: tpc\n"
                               "  far: zzzzzz\n"
                               "  ends: [hv1/SLOT 2, 'tor1/1']\n"
                               "  mixed: [a, {b: 1}]\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *t = at_path(doc, "t");
    struct ydoc_err err;
    int k = -1;
    CU_ASSERT_EQUAL(ydoc_get_enum(t, "kind", 0, kinds, &k, &err), 0);
    CU_ASSERT_EQUAL(k, 2);
    CU_ASSERT_EQUAL(ydoc_get_enum(t, "bad", 0, kinds, &k, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:3:8: 'bad: tpc': expected one of tcp, udp, roce, iwarp (did you mean "
                    "'tcp'?)");
    CU_ASSERT_EQUAL(ydoc_get_enum(t, "far", 0, kinds, &k, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:4:8: 'far: zzzzzz': expected one of tcp, udp, roce, iwarp");
    const char **ends = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(ydoc_get_str_list(t, "ends", YDOC_REQUIRED, &ends, &n, &err), 0);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(ends[0], "hv1/SLOT 2");
    CU_ASSERT_STRING_EQUAL(ends[1], "tor1/1");
    free(ends);
    CU_ASSERT_EQUAL(ydoc_get_str_list(t, "mixed", 0, &ends, &n, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:6:14: 'mixed.1': expected a string, got a mapping");
    ydoc_free(doc);
}

static void test_suggest(void)
{
    static const char *const keys[] = {"name", "duration", "seed", "nic_models", "priorities"};
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("duraton", keys, 5), "duration");
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("Duration", keys, 5), "duration");
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("durtaion", keys, 5), "duration"); /* transposition */
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("nic_model", keys, 5), "nic_models");
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("prioritys", keys, 5), "priorities");
    CU_ASSERT_STRING_EQUAL(ydoc_suggest("sed", keys, 5), "seed");
    CU_ASSERT_PTR_NULL(ydoc_suggest("xyz", keys, 5));
    CU_ASSERT_PTR_NULL(ydoc_suggest("hosts", keys, 5));
    CU_ASSERT_PTR_NULL(ydoc_suggest("a", keys, 0));
}

/* ---- PowerShell blocks -------------------------------------------------- */

/* The seed's team-mapping lines: en dashes (U+2013) and curly quotes
 * (U+201C/D), a backtick continuation, a trailing space kept. */
#define PS_LINE1 "New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\" `"
#define PS_LINE2 "  -EnableEmbeddedTeaming $true"
#define PS_LINE3                                                                                  \
    "Set-VMNetworkAdapterTeamMapping -VMNetworkAdapterName SMB_1 \xe2\x80\x93ManagementOS "       \
    "\xe2\x80\x93PhysicalNetAdapterName \xe2\x80\x9cSLOT 2\xe2\x80\x9d "
#define PS_TEXT PS_LINE1 "\n" PS_LINE2 "\n\n" PS_LINE3 "\n"

static void test_powershell_block(void)
{
    static const char text[] = "hosts:\n"
                               "  hv1:\n"
                               "    nics: { \"SLOT 2\": cx5 }\n"
                               "    powershell: |\n"
                               "      " PS_LINE1 "\n"
                               "      " PS_LINE2 "\n"
                               "\n"
                               "      " PS_LINE3 "\n"
                               "    os: ws2016\n";
    struct ydoc *doc = load(text);
    const struct ydoc_node *ps = at_path(doc, "hosts.hv1.powershell");
    CU_ASSERT_EQUAL(ydoc_style(ps), YDOC_LITERAL);
    CU_ASSERT_EQUAL(ydoc_text_len(ps), strlen(PS_TEXT));
    CU_ASSERT_EQUAL(memcmp(ydoc_text(ps), PS_TEXT, strlen(PS_TEXT)), 0);
    int line, col0;
    ydoc_text_origin(ps, &line, &col0);
    CU_ASSERT_EQUAL(line, 5); /* the block's first content line */
    CU_ASSERT_EQUAL(col0, 6); /* its indentation */
    CU_ASSERT_EQUAL(ydoc_pos(ps).line, 4);
    const char *s;
    struct ydoc_err err;
    CU_ASSERT_EQUAL(ydoc_get_str(at_path(doc, "hosts.hv1"), "powershell", 0, &s, &err), 0);
    CU_ASSERT_STRING_EQUAL(s, PS_TEXT);

    /* Round trip: the same text as a double-quoted scalar with escapes is
     * the same bytes, and hashes the same (block vs quoted is layout). */
    static const char quoted[] =
        "hosts:\n"
        "  hv1:\n"
        "    nics: {\"SLOT 2\": cx5}\n"
        "    powershell: \"New-VMSwitch -Name SETswitch -NetAdapterName \\\"SLOT 2\\\",\\\"SLOT "
        "3\\\" `\\n  -EnableEmbeddedTeaming $true\\n\\nSet-VMNetworkAdapterTeamMapping "
        "-VMNetworkAdapterName SMB_1 \\u2013ManagementOS \\u2013PhysicalNetAdapterName "
        "\\u201cSLOT 2\\u201d \\n\"\n"
        "    os: ws2016\n";
    struct ydoc *doc2 = load(quoted);
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc2, "hosts.hv1.powershell")), PS_TEXT);
    char h1[YDOC_HASH_HEX + 1], h2[YDOC_HASH_HEX + 1];
    ydoc_hash(doc, h1);
    ydoc_hash(doc2, h2);
    CU_ASSERT_STRING_EQUAL(h1, h2);
    ydoc_free(doc2);

    /* --set with the same text reads back byte for byte. */
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv1.powershell", PS_TEXT, &err), 0);
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc, "hosts.hv1.powershell")), PS_TEXT);
    ydoc_free(doc);

    /* Leading empty lines, an explicit indentation indicator, CRLF, a
     * comment after the header, and a one-line value. */
    static const char more[] = "a: |2 # two spaces of indentation\r\n"
                               "\r\n"
                               "     Get-VMSwitchTeam\r\n"
                               "b: >-\n"
                               "  folded\n"
                               "  text\n"
                               "t:\n"
                               "  - { at: 5ms, run: 'Disable-NetAdapter -Name \"SLOT 2\"' }\n";
    doc = load(more);
    const struct ydoc_node *a = at_path(doc, "a");
    CU_ASSERT_STRING_EQUAL(ydoc_text(a), "\n   Get-VMSwitchTeam\n");
    ydoc_text_origin(a, &line, &col0);
    CU_ASSERT_EQUAL(line, 2);
    CU_ASSERT_EQUAL(col0, 2);
    const struct ydoc_node *b = at_path(doc, "b");
    CU_ASSERT_STRING_EQUAL(ydoc_text(b), "folded text");
    ydoc_text_origin(b, &line, &col0);
    CU_ASSERT_EQUAL(line, 5);
    CU_ASSERT_EQUAL(col0, 2);
    const struct ydoc_node *run = at_path(doc, "t.0.run");
    ydoc_text_origin(run, &line, &col0);
    CU_ASSERT_EQUAL(line, 8);
    CU_ASSERT_EQUAL(col0, 21); /* "Disable" is at column 22 */
    ydoc_free(doc);
}

/* ---- schema ------------------------------------------------------------- */

/* DESIGN.md's sketch, with the second host the traffic names. */
static const char sketch[] =
    "scenario: { name: set-dynamic-failover, duration: 20ms, seed: 7 }\n"
    "nic_models:\n"
    "  cx5: { manufacturer: Mellanox, model: ConnectX-5, firmware: 16.27, driver: 2.40, rate: "
    "25Gbps }\n"
    "switches:\n"
    "  tor1: { ports: 16, buffer: 12MB, pfc: { priorities: [3], xoff: 96KB, xon: 48KB } }\n"
    "hosts:\n"
    "  hv1:\n"
    "    nics: { \"SLOT 2\": cx5, \"SLOT 3\": cx5 }\n"
    "    vms: [vm1, vm2]\n"
    "    powershell: |\n"
    "      New-VMSwitch -Name SETswitch -NetAdapterName \"SLOT 2\",\"SLOT 3\" "
    "-EnableEmbeddedTeaming $true\n"
    "      Set-VMSwitchTeam -Name SETswitch -LoadBalancingAlgorithm Dynamic\n"
    "  hv2:\n"
    "    nics: { \"SLOT 2\": { model: cx5, rate: 25Gbps } }\n"
    "    vms: [{ name: vm3, vnics: [10.0.0.3/24] }]\n"
    "cabling:\n"
    "  - [hv1/SLOT 2, tor1/1]\n"
    "  - [hv1/SLOT 3, tor1/2]\n"
    "  - { ends: [hv2/SLOT 2, tor1/3], length: 10 }\n"
    "traffic:\n"
    "  - { from: vm1, to: hv2/vm3, kind: tcp, size: 10MB, start: 0 }\n"
    "timeline:\n"
    "  - { at: 5ms, host: hv1, run: 'Disable-NetAdapter -Name \"SLOT 2\"' }\n"
    "  - { at: 6ms, cut: tor1/2 }\n"
    "capture: [hv1/SLOT 2, hv1/SLOT 3, tor1/1, tor1/2]\n";

/* Replaces the first occurrence of from in sketch with to, loads it and
 * checks it against the scenario schema; returns the error message. */
static void check_variant(const char *from, const char *to, const char *want)
{
    char text[sizeof sketch + 256];
    const char *at = strstr(sketch, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - sketch), sketch, to, at + strlen(from));
    struct ydoc *doc = load(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    struct ydoc_err err = {0};
    CU_ASSERT_EQUAL(ydoc_check(ydoc_root(doc), &schema_scenario_file, &err), -EINVAL);
    EXPECT_MSG(err, want);
    ydoc_free(doc);
}

static void test_schema_check(void)
{
    struct ydoc *doc = load(sketch);
    struct ydoc_err err = {0};
    int rc = ydoc_check(ydoc_root(doc), &schema_scenario_file, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    ydoc_free(doc);

    check_variant("duration: 20ms", "duraton: 20ms",
                  "s.yaml:1:41: unknown key 'duraton' in 'scenario' (did you mean 'duration'?)");
    /* The example of docs/scenario.md. */
    check_variant("scenario: { name: set-dynamic-failover, duration:",
                  "scenario: { name: demo, duraton:",
                  "s.yaml:1:25: unknown key 'duraton' in 'scenario' (did you mean 'duration'?)");
    /* A block mapping further down the file. */
    doc = load("# s.yaml\n\n\n\n\n\n\n\n\nnic_models: {}\n"
               "scenario:\n"
               "    duraton: 20ms\n"
               "    name: x\n");
    CU_ASSERT_EQUAL(ydoc_check(ydoc_root(doc), &schema_scenario_file, &err), -EINVAL);
    EXPECT_MSG(err, "s.yaml:12:5: unknown key 'duraton' in 'scenario' (did you mean 'duration'?)");
    ydoc_free(doc);
    check_variant("duration: 20ms, ", "",
                  "s.yaml:1:11: missing required key 'duration' in 'scenario'");
    check_variant("nic_models:", "nic_model:",
                  "s.yaml:2:1: unknown key 'nic_model' at the top level (did you mean "
                  "'nic_models'?)");
    check_variant("ports: 16", "ports: 300", "s.yaml:5:18: 'ports: 300': out of range (1..256)");
    check_variant("xoff: 96KB", "xoff: 96 KBytes",
                  "s.yaml:5:66: 'xoff: 96 KBytes': unknown size unit 'KBytes' (expected B, KB, MB, "
                  "GB, KiB, MiB, GiB)");
    check_variant("priorities: [3]", "priorities: [3, 8]",
                  "s.yaml:5:59: 'priorities.1: 8': out of range (0..7)");
    check_variant("priorities: [3]", "prioritys: [3]",
                  "s.yaml:5:43: unknown key 'prioritys' in 'switches.tor1.pfc' (did you mean "
                  "'priorities'?)");
    check_variant("rate: 25Gbps } }", "rate: fast } }",
                  "s.yaml:14:43: 'rate: fast': expected a number followed by a unit ("
                  "bps, Kbps, Mbps, Gbps, Tbps)");
    check_variant("{ model: cx5, rate", "{ modle: cx5, rate",
                  "s.yaml:14:25: unknown key 'modle' in 'hosts.hv2.nics.SLOT 2' (did you mean "
                  "'model'?)");
    check_variant("name: vm3", "nmae: vm3",
                  "s.yaml:15:13: unknown key 'nmae' in 'hosts.hv2.vms.0' (did you mean "
                  "'name'?)");
    check_variant("[hv1/SLOT 3, tor1/2]", "[hv1/SLOT 3]",
                  "s.yaml:18:5: 'cabling.1': expected 2 items, got 1");
    check_variant("kind: tcp", "kind: tpc",
                  "s.yaml:21:37: 'kind: tpc': expected one of tcp, udp, roce, iwarp, smb (did you "
                  "mean 'tcp'?)");
    check_variant("{ at: 6ms, cut: tor1/2 }", "{ at: 6ms }",
                  "s.yaml:24:5: missing one of 'run', 'cut', 'restore', 'pfc_storm', 'migrate' in "
                  "'timeline.1'");
    check_variant("{ at: 6ms, cut: tor1/2 }", "{ at: 6ms, cut: tor1/2, restore: tor1/2 }",
                  "s.yaml:24:29: 'restore' cannot be combined with 'cut' in 'timeline.1' (one of "
                  "'run', 'cut', 'restore', 'pfc_storm', 'migrate' per entry)");
    check_variant("at: 5ms", "at: soon",
                  "s.yaml:23:11: 'at: soon': expected a number followed by a unit (ps, "
                  "ns, us, ms, s)");
    check_variant("capture: [hv1/SLOT 2,", "capture: [[x],",
                  "s.yaml:25:11: 'capture.0': expected a string, got a list");
    check_variant("pfc: {", "ecn: { 9: { kmin: 1KB, kmax: 2KB, pmax: 0.1 } }, pfc: {",
                  "s.yaml:5:43: key '9' in 'switches.tor1.ecn': expected an integer 0..7");
    check_variant("pfc: {", "ecn: { 3: { kmin: 1KB, kmax: 2KB } }, pfc: {",
                  "s.yaml:5:46: missing required key 'pmax' in 'switches.tor1.ecn.3'");
    check_variant("vms: [vm1, vm2]", "vms: vm1",
                  "s.yaml:9:10: 'vms': expected a list, got a scalar");
    check_variant("tor1: {", "tor1: []\n  x: {",
                  "s.yaml:5:9: 'tor1': expected a mapping, got a list");
}

/* Whatever the input, the loader and the checker either succeed or give
 * one "s.yaml:L:C: ..." message with L, C >= 1. */
static void exercise(const char *text, size_t len)
{
    struct ydoc *doc = NULL;
    struct ydoc_err err = {0};
    int rc = ydoc_load_string(text, len, "s.yaml", &doc, &err);
    if (rc == 0) {
        char hex[YDOC_HASH_HEX + 1];
        ydoc_hash(doc, hex);
        CU_ASSERT_EQUAL(strlen(hex), YDOC_HASH_HEX);
        rc = ydoc_check(ydoc_root(doc), &schema_scenario_file, &err);
        if (rc == 0) {
            ydoc_free(doc);
            return;
        }
        struct ydoc_err set_err;
        ydoc_set(doc, "hosts.hv1.nics.SLOT 2", "cx5", &set_err);
        ydoc_free(doc);
    } else {
        CU_ASSERT_PTR_NULL(doc);
    }
    CU_ASSERT_EQUAL(rc, -EINVAL);
    CU_ASSERT(err.line >= 1 && err.col >= 1);
    CU_ASSERT_EQUAL(strncmp(err.msg, "s.yaml:", 7), 0);
}

static void test_robustness(void)
{
    size_t len = strlen(sketch);
    for (size_t n = 0; n <= len; n++)
        exercise(sketch, n);
    char *buf = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    static const char bytes[] = " \t\n:-[]{},&*!|>'\"#%@`\\\xe2\x80\x93\xff\x01";
    uint32_t lcg = 12345;
    for (int i = 0; i < 3000; i++) {
        memcpy(buf, sketch, len);
        for (int k = 0; k < 1 + i % 4; k++) {
            lcg = lcg * 1103515245u + 12345u;
            size_t at = (lcg >> 8) % len;
            lcg = lcg * 1103515245u + 12345u;
            buf[at] = bytes[(lcg >> 8) % (sizeof bytes - 1)];
        }
        exercise(buf, len);
    }
    free(buf);
}

/* ---- --set -------------------------------------------------------------- */

static void test_set(void)
{
    static const char text[] = "scenario: { name: demo, duration: 20ms, seed: 7 }\n"
                               "hosts:\n"
                               "  hv1:\n"
                               "    nics:\n"
                               "      SLOT 2: { model: cx5, rate: 25Gbps }\n"
                               "      SLOT 3: cx5\n"
                               "  hv.lab:\n"
                               "    os: ws2016\n"
                               "traffic:\n"
                               "  - { from: vm1, to: vm2, rate: 1Gbps }\n"
                               "  - { from: vm2, to: vm1 }\n";
    struct ydoc *doc = load(text);
    struct ydoc_err err = {0};
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv1.nics.SLOT 2.rate", "10Gbps", &err), 0);
    const struct ydoc_node *rate = at_path(doc, "hosts.hv1.nics.SLOT 2.rate");
    CU_ASSERT_STRING_EQUAL(ydoc_text(rate), "10Gbps");
    CU_ASSERT_STRING_EQUAL(ydoc_pos(rate).file, "--set");
    CU_ASSERT_EQUAL(ydoc_pos(rate).line, 1);
    CU_ASSERT_EQUAL(ydoc_pos(rate).col, 28); /* after "hosts.hv1.nics.SLOT 2.rate=" */
    CU_ASSERT_EQUAL(ydoc_set(doc, "traffic.1.rate", "2Gbps", &err), 0); /* a new key */
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc, "traffic.1.rate")), "2Gbps");
    CU_ASSERT_EQUAL(ydoc_set_arg(doc, "\"hosts\".\"hv.lab\".os=ws2012r2", &err), 0);
    CU_ASSERT_STRING_EQUAL(ydoc_text(ydoc_value(ydoc_value(at_path(doc, "hosts"), 1), 0)),
                           "ws2012r2");
    CU_ASSERT_EQUAL(ydoc_set_arg(doc, "scenario.seed=9", &err), 0);
    CU_ASSERT_EQUAL(ydoc_set_arg(doc, "scenario.name=a=b", &err), 0); /* splits at the first '=' */
    CU_ASSERT_STRING_EQUAL(ydoc_text(at_path(doc, "scenario.name")), "a=b");
    char path[64];
    ydoc_path(ydoc_value(ydoc_value(at_path(doc, "hosts"), 1), 0), path, sizeof path);
    CU_ASSERT_STRING_EQUAL(path, "hosts.\"hv.lab\".os");

    /* A later error about the value points at the override (6th --set). */
    CU_ASSERT_EQUAL(ydoc_set(doc, "scenario.duration", "20 mins", &err), 0);
    sim_time_t t;
    CU_ASSERT_EQUAL(ydoc_get_time(at_path(doc, "scenario"), "duration", 0, &t, &err), -EINVAL);
    EXPECT_MSG(err, "--set:6:19: 'duration: 20 mins': unknown time unit 'mins' (expected ps, ns, "
                    "us, ms, s)");

    /* Errors name the failing segment, at its column. */
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv2.nics.x", "1", &err), -EINVAL);
    EXPECT_MSG(err, "--set:7:7: no key 'hv2' in 'hosts' (did you mean 'hv1'?)");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hostz.hv1", "1", &err), -EINVAL);
    EXPECT_MSG(err, "--set:8:1: no key 'hostz' at the top level (did you mean 'hosts'?)");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv1.nics.SLOT 3.rate", "1Gbps", &err), -EINVAL);
    EXPECT_MSG(err, "--set:9:23: 'hosts.hv1.nics.SLOT 3' is a scalar: it has no 'rate'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "traffic.2.rate", "1Gbps", &err), -EINVAL);
    EXPECT_MSG(err, "--set:10:9: index 2 is past the end of 'traffic' (2 items)");
    CU_ASSERT_EQUAL(ydoc_set(doc, "traffic.first.rate", "1Gbps", &err), -EINVAL);
    EXPECT_MSG(err, "--set:11:9: 'first': 'traffic' is a list; expected an index from 0");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv1", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:12:7: 'hosts.hv1' is a mapping; --set replaces only scalars");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts..hv1", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:13:7: empty segment in path 'hosts..hv1'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:14:7: empty segment at the end of path 'hosts.'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.\"hv1", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:15:7: unterminated quoted segment in path 'hosts.\"hv1'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "\"hosts\"x.hv1", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:16:8: expected '.' after the quoted segment in path '\"hosts\"x.hv1'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "", "x", &err), -EINVAL);
    EXPECT_MSG(err, "--set:17:1: empty path");
    CU_ASSERT_EQUAL(ydoc_set_arg(doc, "scenario.seed", &err), -EINVAL);
    EXPECT_MSG(err, "--set:18:1: expected path=value, got 'scenario.seed'");
    CU_ASSERT_EQUAL(ydoc_set(doc, "hosts.hv1.nics.SLOT 2.raet.x", "1", &err), -EINVAL);
    EXPECT_MSG(err, "--set:19:23: no key 'raet' in 'hosts.hv1.nics.SLOT 2' (did you mean "
                    "'rate'?)");

    /* An added key is checked like any other, at its --set position. */
    CU_ASSERT_EQUAL(ydoc_set(doc, "scenario.duration", "20ms", &err), 0);
    CU_ASSERT_EQUAL(ydoc_set(doc, "scenario.sede", "3", &err), 0);
    CU_ASSERT_EQUAL(ydoc_check(ydoc_root(doc), &schema_scenario_file, &err), -EINVAL);
    EXPECT_MSG(err, "--set:21:10: unknown key 'sede' in 'scenario' (did you mean 'seed'?)");
    ydoc_free(doc);
}

/* ---- hash --------------------------------------------------------------- */

static void hash_of(const char *text, char hex[YDOC_HASH_HEX + 1])
{
    struct ydoc *doc = load(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    ydoc_hash(doc, hex);
    ydoc_free(doc);
}

static void test_hash(void)
{
    char a[YDOC_HASH_HEX + 1], b[YDOC_HASH_HEX + 1];
    hash_of("scenario: { name: x, duration: 1ms }\nhosts: [a, b]\n", a);
    CU_ASSERT_EQUAL(strlen(a), YDOC_HASH_HEX);
    /* The canonical form is stable: this value changes only with it.  It
     * was computed independently (Python hashlib) from the form: u64-BE
     * length-prefixed "setsim-ydoc-hash-1", then per node 'M'/'L' + u64
     * count + children, or 'P'/'Q' + tag + text, each length-prefixed. */
    CU_ASSERT_STRING_EQUAL(a, "e5109d8133b7dc0fb9bbba42030673c918b0b4df0e6ab4a2803144fca231539b");
    /* Layout, comments and quoting style do not matter. */
    hash_of("# comment\nscenario:\n  name: 'x'   # the name\n  duration: \"1ms\"\nhosts:\n  - a\n"
            "  - b\n",
            b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b); /* plain vs quoted is kept */
    hash_of("# comment\nscenario:\n  name: x   # the name\n  duration: 1ms\nhosts:\n  - a\n"
            "  - b\n",
            b);
    CU_ASSERT_STRING_EQUAL(a, b);
    hash_of("scenario: { name: x, duration: 2ms }\nhosts: [a, b]\n", b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    hash_of("scenario: { duration: 1ms, name: x }\nhosts: [a, b]\n", b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b); /* key order is kept */
    hash_of("scenario: { name: x, duration: 1ms }\nhosts: {a: b}\n", b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);

    /* Overrides are part of it; the same overrides give the same hash. */
    struct ydoc *d1 = load("scenario: { name: x, duration: 1ms }\n");
    struct ydoc *d2 = load("scenario: {name: x, duration: 1ms}\n");
    struct ydoc_err err;
    ydoc_hash(d1, a);
    CU_ASSERT_EQUAL(ydoc_set(d1, "scenario.duration", "2ms", &err), 0);
    CU_ASSERT_EQUAL(ydoc_set(d2, "scenario.duration", "2ms", &err), 0);
    ydoc_hash(d1, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    ydoc_hash(d2, a);
    CU_ASSERT_STRING_EQUAL(a, b);
    /* An override back to the file's value gives the file's hash. */
    CU_ASSERT_EQUAL(ydoc_set(d2, "scenario.duration", "1ms", &err), 0);
    ydoc_hash(d2, a);
    hash_of("scenario: { name: x, duration: 1ms }\n", b);
    CU_ASSERT_STRING_EQUAL(a, b);
    ydoc_free(d1);
    ydoc_free(d2);
}

/* ---- documentation ------------------------------------------------------ */

struct doc_walk {
    const char *md; /* the document checked */
    int missing;
};

/* Each schema's section "(`path`)" holds a row "| `key` |" for each key. */
static void walk_schema(struct doc_walk *w, const struct ydoc_schema *s, const char *path)
{
    char heading[300];
    if (*path)
        snprintf(heading, sizeof heading, "(`%s`)\n", path);
    else
        snprintf(heading, sizeof heading, "### Top level\n");
    const char *sec = strstr(w->md, heading), *end = NULL;
    if (!sec) {
        fprintf(stderr, "\n  docs/scenario.md: no section for `%s`\n", path);
        w->missing++;
        return;
    }
    end = strstr(sec + 1, "\n### ");
    for (const struct ydoc_key *k = s->keys; k->name; k++) {
        char row[128];
        snprintf(row, sizeof row, "| `%s` |", k->name);
        const char *hit = strstr(sec, row);
        if (!hit || (end && hit > end)) {
            fprintf(stderr, "\n  docs/scenario.md: key `%s` missing in `%s`\n", k->name, path);
            w->missing++;
        }
        if (k->type != YDOC_T_MAP && k->type != YDOC_T_MAP_OF && k->type != YDOC_T_SEQ_OF)
            continue;
        char child[300];
        const char *dot = *path ? "." : "";
        if (k->type == YDOC_T_MAP_OF)
            snprintf(child, sizeof child, "%s%s%s.<%s>", path, dot, k->name, k->sub->name);
        else if (k->type == YDOC_T_SEQ_OF)
            snprintf(child, sizeof child, "%s%s%s.<n>", path, dot, k->name);
        else
            snprintf(child, sizeof child, "%s%s%s", path, dot, k->name);
        walk_schema(w, k->sub, child);
    }
}

static char *read_all(FILE *f)
{
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

static void test_markdown(void)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(schema_markdown(f), 0);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| Key | Type | Unit | Default | Description |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "### Scenario (`scenario`)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `duration` | time | ps, ns, us, ms, s | required | "
                                      "Simulated time the run lasts. |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "### PFC (`switches.<switch>.pfc`)\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(md, "| `priorities` | list of integers 0..7, at most 8 items | | `[]` |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "### ECN marking (`switches.<switch>.ecn.<priority>`)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `kind` | one of `tcp`, `udp`, `roce`, `iwarp`, `smb` | | "
                                      "`tcp` |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "An entry that is not a mapping is its `model`.\n"));
    struct doc_walk w = {md, 0};
    walk_schema(&w, &schema_scenario_file, "");
    CU_ASSERT_EQUAL(w.missing, 0);
    free(md);
}

/* docs/scenario.md documents every key of every section. */
static void test_docs_cover_schema(void)
{
    char path[512];
    FILE *f = fopen(test_src_path("docs/scenario.md", path, sizeof path), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char *md = read_all(f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    struct doc_walk w = {md, 0};
    walk_schema(&w, &schema_scenario_file, "");
    CU_ASSERT_EQUAL(w.missing, 0);
    free(md);
}

int suite_ydoc(void)
{
    CU_pSuite s = test_suite("ydoc");
    if (!s || !CU_add_test(s, "tree and positions", test_tree_positions) ||
        !CU_add_test(s, "load a file", test_load_file) ||
        !CU_add_test(s, "malformed YAML", test_malformed) ||
        !CU_add_test(s, "duplicate keys", test_duplicate_keys) ||
        !CU_add_test(s, "anchors and aliases", test_anchors) ||
        !CU_add_test(s, "nesting limit", test_depth_limit) ||
        !CU_add_test(s, "strings and booleans", test_strings_and_bools) ||
        !CU_add_test(s, "integers and numbers", test_numbers) ||
        !CU_add_test(s, "times, rates and sizes", test_units) ||
        !CU_add_test(s, "enums and lists", test_enums_and_lists) ||
        !CU_add_test(s, "closest-key suggestions", test_suggest) ||
        !CU_add_test(s, "PowerShell blocks", test_powershell_block) ||
        !CU_add_test(s, "schema check", test_schema_check) ||
        !CU_add_test(s, "truncated and mutated input", test_robustness) ||
        !CU_add_test(s, "--set overrides", test_set) ||
        !CU_add_test(s, "canonical hash", test_hash) ||
        !CU_add_test(s, "markdown rendering", test_markdown) ||
        !CU_add_test(s, "docs/scenario.md covers the schema", test_docs_cover_schema))
        return -1;
    return 0;
}
