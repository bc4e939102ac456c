/* cv_oof.c -- `unspin cv --oof FILE`: the out-of-fold analyses behind the CV
 * table, one JSON line per article and subtask, so that researchers can
 * study errors, calibrate, or stack their own second stage on honest
 * probabilities (each article is analysed by the model of the folds that
 * did not see it). */
#include <stdio.h>
#include <string.h>
#include "cli/cv_oof.h"
#include "task/model.h"
#include "task/span.h"
#include "task/taxonomy.h"

static void label_list(us_buf *b, us_task t, uint32_t mask)
{
    us_buf_putc(b, '[');
    int first = 1;
    for (uint32_t l = 0; l < us_tax_n_labels(t); l++) {
        if (!(mask >> l & 1u)) continue;
        us_buf_printf(b, "%s\"%s\"", first ? "" : ",", us_tax_label(t, l)->name);
        first = 0;
    }
    us_buf_putc(b, ']');
}

static void prob_map(us_buf *b, us_task t, const float *p)
{
    us_buf_putc(b, '{');
    for (uint32_t l = 0; l < us_tax_n_labels(t); l++)
        us_buf_printf(b, "%s\"%s\":%.5f", l ? "," : "", us_tax_label(t, l)->name, (double)p[l]);
    us_buf_putc(b, '}');
}

int cli_oof_write(FILE *f, const us_model *m, const us_article *a, int task, uint32_t fold,
                  uint32_t gold, const us_analysis *res)
{
    us_buf b;
    us_buf_init(&b);
    /* Techniques with a span tagger: its best forced span of every technique
     * per paragraph (us_span_scores), evidence a second stage may read. */
    us_text t;
    us_text_init(&t);
    us_err err = {0};
    int have_spans = task == US_TASK_TECHNIQUES && m->spans.present &&
                     us_text_tokenize(&t, a->text[task], a->len[task], &err) == US_OK;
    us_buf_puts(&b, "{\"id\":\"");
    us_buf_json_str(&b, a->id, strlen(a->id));
    us_buf_printf(&b, "\",\"lang\":\"%s\",\"fold\":%u,\"task\":\"%s\"", us_lang_codes[a->lang],
                  fold + 1, us_task_name((us_task)task));
    if (task != US_TASK_TECHNIQUES) {
        us_buf_puts(&b, ",\"gold\":");
        label_list(&b, (us_task)task, gold);
        us_buf_puts(&b, ",\"genre\":");
        prob_map(&b, US_TASK_GENRE, res->genre_prob);
        us_buf_puts(&b, ",\"frames\":");
        prob_map(&b, US_TASK_FRAMING, res->frame_prob);
        /* The decisions the CV table scored (arg-max, tuned thresholds). */
        us_buf_puts(&b, ",\"predicted_genre\":");
        if (res->genre >= 0)
            us_buf_printf(&b, "\"%s\"", us_tax_label(US_TASK_GENRE, (uint32_t)res->genre)->name);
        else
            us_buf_puts(&b, "null");
        us_buf_puts(&b, ",\"predicted_frames\":");
        label_list(&b, US_TASK_FRAMING, res->frames);
    }
    /* Gold only for the lines the label file covers. */
    us_buf_puts(&b, ",\"paragraphs\":[");
    for (size_t p = 0; p < res->n_paras; p++) {
        const us_para_result *pr = &res->paras[p];
        us_buf_printf(&b, "%s{\"line\":%u", p ? "," : "", pr->line);
        uint32_t l = pr->line - 1;
        if (task == US_TASK_TECHNIQUES && l < a->n_lines && a->line_gold && a->line_gold[l]) {
            us_buf_puts(&b, ",\"gold\":");
            label_list(&b, US_TASK_TECHNIQUES, a->line_labels[l]);
        }
        us_buf_puts(&b, ",\"predicted\":");
        label_list(&b, US_TASK_TECHNIQUES, pr->techniques);
        us_buf_puts(&b, ",\"probs\":");
        prob_map(&b, US_TASK_TECHNIQUES, pr->prob);
        us_buf_puts(&b, ",\"text_probs\":");
        prob_map(&b, US_TASK_TECHNIQUES, pr->prob_text);
        float sc[US_N_TECH_LABELS];
        if (have_spans && us_span_scores(&m->spans, &t, us_lang_find(res->lang), pr->line - 1,
                                         (1u << US_N_TECH_LABELS) - 1, sc, &err) == US_OK) {
            us_buf_puts(&b, ",\"span_scores\":");
            prob_map(&b, US_TASK_TECHNIQUES, sc);
        }
        us_buf_putc(&b, '}');
    }
    us_buf_puts(&b, "]}\n");
    us_text_fini(&t);
    int rc = b.oom ? US_ENOMEM : US_OK;
    if (rc == US_OK && fwrite(b.data, 1, b.len, f) != b.len) rc = US_EIO;
    us_buf_fini(&b);
    return rc;
}
