/* taxonomy.c -- label tables for genre, frames and persuasion techniques.
 *
 * To add a label: append a row (never reorder: ids are stored in model files)
 * and bump the model format minor version. Definitions paraphrase the
 * SemEval-2023 Task 3 annotation guidelines in one line each. */
#include <ctype.h>
#include <string.h>
#include "taxonomy.h"

static const us_label_info genres[US_N_GENRES] = {
    {"opinion", "opinion", "Argues a point of view; the author's stance is explicit.", "#d9822b"},
    {"reporting", "reporting", "Informs about events, mainly through facts and attributed quotes.",
     "#2b7bd9"},
    {"satire", "satire", "Imitates news to mock or criticise through irony and exaggeration.",
     "#8e44ad"},
};

static const us_label_info frames[US_N_FRAMES] = {
    {"Economic", "Economic", "Costs, benefits, money and economic consequences.", "#1b9e77"},
    {"Capacity_and_resources", "Capacity", "Availability of physical, human or financial resources.",
     "#d95f02"},
    {"Morality", "Morality", "Religious or ethical implications; right and wrong.", "#7570b3"},
    {"Fairness_and_equality", "Fairness", "Equality or inequality in how laws or goods apply.",
     "#e7298a"},
    {"Legality_Constitutionality_and_jurisprudence", "Legality",
     "Legal, constitutional and court-related aspects.", "#66a61e"},
    {"Policy_prescription_and_evaluation", "Policy",
     "Specific policies proposed or judged for a problem.", "#e6ab02"},
    {"Crime_and_punishment", "Crime", "Violation of laws and its punishment.", "#a6761d"},
    {"Security_and_defense", "Security", "Threats to welfare and defence against them.", "#666666"},
    {"Health_and_safety", "Health", "Health care, sanitation and public safety.", "#1f78b4"},
    {"Quality_of_life", "Quality of life", "Effects on people's wealth, mobility and happiness.",
     "#b2df8a"},
    {"Cultural_identity", "Culture", "Traditions, customs and values of a social group.", "#fb9a99"},
    {"Public_opinion", "Public opinion", "Attitudes of the general public, polls and protests.",
     "#fdbf6f"},
    {"Political", "Political", "Political actors, parties, lobbying and partisanship.", "#cab2d6"},
    {"External_regulation_and_reputation", "External",
     "A country's standing and relations with other states.", "#6a3d9a"},
};

static const us_label_info techniques[US_N_TECHNIQUES] = {
    {"Loaded_Language", "Loaded language",
     "Words or phrases with strong emotional implications to sway the audience.", "#e6194b"},
    {"Name_Calling-Labeling", "Name calling",
     "Labels the target with words the audience fears, hates or loves.", "#3cb44b"},
    {"Repetition", "Repetition", "Repeats the same word, phrase or idea to make it stick.",
     "#ffe119"},
    {"Exaggeration-Minimisation", "Exaggeration",
     "Represents something as much larger or much smaller than it is.", "#4363d8"},
    {"Appeal_to_Fear-Prejudice", "Fear/prejudice",
     "Builds support for an idea by instilling fear or prejudice about the alternative.",
     "#f58231"},
    {"Flag_Waving", "Flag waving",
     "Plays on pride in a group (nation, party) to justify an idea.", "#911eb4"},
    {"Causal_Oversimplification", "Causal oversimpl.",
     "Assumes one cause when there are many behind an issue.", "#46f0f0"},
    {"Appeal_to_Authority", "Authority",
     "Presents a claim as true because an authority or expert says so.", "#f032e6"},
    {"Slogans", "Slogans", "A brief, striking phrase that may include labelling or stereotyping.",
     "#bcf60c"},
    {"Conversation_Killer", "Conversation killer",
     "Words that discourage critical thought and discussion (thought-terminating cliche).",
     "#fabebe"},
    {"Doubt", "Doubt", "Questions the credibility of someone or something.", "#008080"},
    {"Guilt_by_Association", "Guilt by association",
     "Attacks a target by linking it to a group or idea viewed negatively.", "#e6beff"},
    {"Appeal_to_Hypocrisy", "Hypocrisy",
     "Attacks a target's reputation by charging them with hypocrisy or inconsistency.",
     "#9a6324"},
    {"Questioning_the_Reputation", "Reputation",
     "Attacks the character or moral stature of a target rather than the argument.", "#800000"},
    {"Appeal_to_Values", "Values",
     "Links an idea to values the audience holds dear (freedom, democracy, religion).",
     "#aaffc3"},
    {"Appeal_to_Popularity", "Popularity",
     "Claims an idea is right because many or 'everybody' agree with it.", "#808000"},
    {"Appeal_to_Time", "Time", "Argues that the time has come to act now.", "#ffd8b1"},
    {"False_Dilemma-No_Choice", "False dilemma",
     "Presents two options as the only ones when more exist.", "#000075"},
    {"Consequential_Oversimplification", "Slippery slope",
     "Claims one step will inevitably lead to a chain of (bad) events.", "#808080"},
    {"Straw_Man", "Straw man",
     "Refutes a distorted version of the opponent's argument instead of the real one.",
     "#469990"},
    {"Red_Herring", "Red herring",
     "Introduces an irrelevant topic to divert attention from the issue.", "#dcbeff"},
    {"Whataboutism", "Whataboutism",
     "Discredits a position by pointing to the opponent's own faults elsewhere.", "#ff6f61"},
    {"Obfuscation-Vagueness-Confusion", "Obfuscation",
     "Deliberately unclear wording that lets the audience read what it wants.", "#5f9ea0"},
};

const char *const us_lang_codes[US_N_LANGS] = {"en", "fr", "ge", "it", "po", "ru", "es", "gr",
                                               "ka"};

static const us_label_info *table(us_task task, size_t *n)
{
    switch (task) {
    case US_TASK_GENRE: *n = US_N_GENRES; return genres;
    case US_TASK_FRAMING: *n = US_N_FRAMES; return frames;
    case US_TASK_TECHNIQUES: *n = US_N_TECHNIQUES; return techniques;
    }
    *n = 0;
    return NULL;
}

size_t us_tax_n_labels(us_task task)
{
    size_t n;
    table(task, &n);
    return n;
}

const us_label_info *us_tax_label(us_task task, size_t id)
{
    size_t n;
    const us_label_info *t = table(task, &n);
    return id < n ? &t[id] : NULL;
}

/* Keeps only ASCII letters, lower-cased: "Appeal_to_Fear-Prejudi-čce" -> "appealtofearprejudice". */
static size_t squash(const char *s, size_t len, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c) && c < 128) out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
    return k;
}

/* Levenshtein distance of two short strings, capped at 'cap' + 1. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t prev[128], cur[128];
    if (na > 127 || nb > 127) return (size_t)-1;
    for (size_t j = 0; j <= nb; j++) prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (nb + 1) * sizeof prev[0]);
    }
    return prev[nb];
}

int us_tax_find(us_task task, const char *name, size_t len, int *repaired)
{
    size_t n;
    const us_label_info *t = table(task, &n);
    if (repaired) *repaired = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i].name) == len && memcmp(t[i].name, name, len) == 0) return (int)i;
    /* Tolerant match: one unique label within edit distance 2 of the squashed name. */
    char q[128], c[128];
    size_t nq = squash(name, len, q, sizeof q);
    if (nq < 4) return -1;
    int best = -1;
    size_t best_d = 3;
    int ties = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nc = squash(t[i].name, strlen(t[i].name), c, sizeof c);
        size_t d = edit_distance(q, nq, c, nc);
        if (d < best_d) { best_d = d; best = (int)i; ties = 0; }
        else if (d == best_d) ties++;
    }
    if (best >= 0 && !ties && repaired) *repaired = 1;
    return ties ? -1 : best;
}

const char *us_task_name(us_task task)
{
    static const char *names[US_N_TASKS] = {"genre", "framing", "techniques"};
    return (unsigned)task < US_N_TASKS ? names[task] : "?";
}

int us_task_from_name(const char *name)
{
    for (int t = 0; t < US_N_TASKS; t++)
        if (strcmp(name, us_task_name((us_task)t)) == 0) return t;
    return -1;
}

int us_task_is_multilabel(us_task task) { return task != US_TASK_GENRE; }

int us_lang_find(const char *code)
{
    for (int i = 0; i < US_N_LANGS; i++)
        if (strcmp(code, us_lang_codes[i]) == 0) return i;
    return -1;
}
