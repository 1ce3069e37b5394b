/* check_report: the checker's verdicts as a table for people, as JSON for
 * machines, and as rows of the run's verdicts table (trace_verdict). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "trace.h"

static void where__(const struct check_verdict *v, char *buf, size_t len)
{
    char t[32];
    sim_time_format(v->time, t, sizeof t);
    if (v->frame)
        snprintf(buf, len, "%s%s%s%s frame %llu at %s", v->capture, v->ifname[0] ? " [" : "",
                 v->ifname, v->ifname[0] ? "]" : "", (unsigned long long)v->frame, t);
    else if (v->event_seq)
        snprintf(buf, len, "run.sqlite event %llu at %s", (unsigned long long)v->event_seq, t);
    else
        snprintf(buf, len, "at %s", t);
}

void check_report_print(const struct check_report *r, FILE *out)
{
    size_t count[4] = {0};
    fprintf(out, "setsim check: %s (%llu frames, %llu events)\n\n", r->source,
            (unsigned long long)r->frames, (unsigned long long)r->events);
    fprintf(out, "%-8s %-6s %-8s %-16s %10s %8s  %s\n", "rule", "status", "severity", "needs",
            "checked", "offences", "title / why");
    for (size_t i = 0; i < r->n; i++) {
        const struct check_verdict *v = &r->v[i];
        char needs[48];
        count[v->status]++;
        fprintf(out, "%-8s %-6s %-8s %-16s %10llu %8llu  %s", v->rule->id,
                check_status_name(v->status), v->rule->severity,
                check_needs_text(v->rule->needs, needs, sizeof needs),
                (unsigned long long)v->checked, (unsigned long long)v->violations,
                v->rule->title);
        if (v->status == CHECK_NA)
            fprintf(out, " (na: %s)", v->reason);
        else if (v->status == CHECK_PASS && v->reason[0])
            fprintf(out, " (%s)", v->reason); /* information, e.g. DYN-009's, DCB-008's */
        fprintf(out, "\n");
    }
    int any = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct check_verdict *v = &r->v[i];
        if (v->status != CHECK_FAIL && v->status != CHECK_WARN)
            continue;
        if (!any)
            fprintf(out, "\nfirst offences:\n");
        any = 1;
        char w[1400];
        where__(v, w, sizeof w);
        fprintf(out, "  %s %s: %s: %s\n", v->rule->id, check_status_name(v->status), w,
                v->reason);
    }
    fprintf(out, "\n%zu pass, %zu fail, %zu warn, %zu na\n", count[CHECK_PASS],
            count[CHECK_FAIL], count[CHECK_WARN], count[CHECK_NA]);
}

void check_report_summary(const struct check_report *r, FILE *out)
{
    size_t count[4] = {0};
    for (size_t i = 0; i < r->n; i++)
        count[r->v[i].status]++;
    fprintf(out, "\nrule verdicts (setsim check): %zu pass, %zu fail, %zu warn, %zu na\n",
            count[CHECK_PASS], count[CHECK_FAIL], count[CHECK_WARN], count[CHECK_NA]);
    for (size_t i = 0; i < r->n; i++) {
        const struct check_verdict *v = &r->v[i];
        if (v->status == CHECK_PASS || v->status == CHECK_NA)
            continue;
        char w[1400];
        where__(v, w, sizeof w);
        fprintf(out, "  %s %s: %s (%s)\n", v->rule->id, check_status_name(v->status),
                v->reason, w);
    }
}

static void json_str__(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void check_report_json(const struct check_report *r, FILE *out)
{
    fprintf(out, "{\"source\": ");
    json_str__(out, r->source);
    fprintf(out, ", \"frames\": %llu, \"events\": %llu, \"failed\": %s, \"rules\": [",
            (unsigned long long)r->frames, (unsigned long long)r->events,
            check_report_failed(r) ? "true" : "false");
    for (size_t i = 0; i < r->n; i++) {
        const struct check_verdict *v = &r->v[i];
        char needs[48];
        fprintf(out, "%s\n  {\"rule\": \"%s\", \"title\": ", i ? "," : "", v->rule->id);
        json_str__(out, v->rule->title);
        fprintf(out, ", \"severity\": \"%s\", \"needs\": \"%s\", \"status\": \"%s\", "
                     "\"checked\": %llu, \"violations\": %llu",
                v->rule->severity, check_needs_text(v->rule->needs, needs, sizeof needs),
                check_status_name(v->status), (unsigned long long)v->checked,
                (unsigned long long)v->violations);
        if (v->status != CHECK_PASS || v->reason[0]) { /* pass: information */
            fprintf(out, ", \"reason\": ");
            json_str__(out, v->reason);
        }
        if (v->frame) {
            fprintf(out, ", \"capture\": ");
            json_str__(out, v->capture);
            fprintf(out, ", \"interface\": ");
            json_str__(out, v->ifname);
            fprintf(out, ", \"frame\": %llu", (unsigned long long)v->frame);
        }
        if (v->event_seq)
            fprintf(out, ", \"event\": %llu", (unsigned long long)v->event_seq);
        if (v->status == CHECK_FAIL || v->status == CHECK_WARN)
            fprintf(out, ", \"time_ps\": %llu", (unsigned long long)v->time);
        fprintf(out, "}");
    }
    fprintf(out, "\n]}\n");
}

int check_report_store(const struct check_report *r, struct trace *t)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct check_verdict *v = &r->v[i];
        char needs[48], cap[1200];
        snprintf(cap, sizeof cap, "%s%s%s%s", v->capture, v->ifname[0] ? " [" : "", v->ifname,
                 v->ifname[0] ? "]" : "");
        struct trace_verdict_row row = {
            .rule = v->rule->id, .title = v->rule->title, .severity = v->rule->severity,
            .needs = check_needs_text(v->rule->needs, needs, sizeof needs),
            .status = check_status_name(v->status),
            .reason = v->status == CHECK_PASS ? NULL : v->reason,
            .capture = v->frame ? cap : v->event_seq ? "run.sqlite" : NULL,
            .frame = v->frame, .time = v->time, .checked = v->checked,
            .violations = v->violations};
        int rc = trace_verdict(t, &row);
        if (rc)
            return rc;
    }
    return 0;
}
