/* parse.c - the augmentation language: lexer and recursive-descent parser
 * (grammar in dh-augment(5)).  dh's compact syntax and ECVL's text format
 * are one language: ECVL's class names, parameter names and value forms are
 * accepted with ECVL's meaning, and the weak spots of ECVL's reader are
 * errors here (unknown names and parameters, a > b in ranges, p outside
 * [0, 1], non-numbers), each one line "NAME:LINE:COL: cause". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/aug_private.h"
#include "cli/opt.h"
#include "core/alloc.h"

#define AUG_MAX_DEPTH 64
#define AUG_MAX_FILE (16 << 20)

typedef enum tkind {
	T_EOF, T_NL, T_SEMI, T_IDENT, T_NUM, T_STR, T_EQ, T_LBRACK, T_RBRACK,
	T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN, T_COMMA, T_COLON
} tkind;

typedef struct tok {
	tkind k;
	int line, col;
	const char *s; /* into the text */
	int len;
	double num;
} tok;

typedef struct parser {
	const char *src;
	size_t n, pos;
	int line, col;
	const char *name;
	tok cur, ahead;
	int have_ahead;
	int depth;
	dh_err *e;
	int failed;
} parser;

static dh_status perr(parser *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static dh_status perr(parser *p, int line, int col, const char *fmt, ...)
{
	char msg[DH_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!p->failed)
		dh_err_set(p->e, DH_EFORMAT, "%s:%d:%d: %s", p->name, line, col,
			   msg);
	p->failed = 1;
	return DH_EFORMAT;
}

/* A token as the messages show it. */
static const char *tdesc(const tok *t, char *buf, size_t n)
{
	switch (t->k) {
	case T_EOF: return "end of file";
	case T_NL: return "end of line";
	default:
		snprintf(buf, n, "'%.*s'", t->len > 40 ? 40 : t->len, t->s);
		return buf;
	}
}

static int is_ident0(int c) { return isalpha(c) || c == '_'; }
static int is_ident(int c) { return isalnum(c) || c == '_'; }

static int lex(parser *p, tok *t)
{
	for (;;) {
		while (p->pos < p->n && (p->src[p->pos] == ' ' || p->src[p->pos] == '\t' ||
					 p->src[p->pos] == '\r' || p->src[p->pos] == '\f' ||
					 p->src[p->pos] == '\v')) {
			p->pos++;
			p->col++;
		}
		if (p->pos < p->n && p->src[p->pos] == '#') {
			while (p->pos < p->n && p->src[p->pos] != '\n')
				p->pos++;
			continue;
		}
		break;
	}
	t->line = p->line;
	t->col = p->col;
	t->s = p->src + p->pos;
	t->len = 1;
	if (p->pos >= p->n) {
		t->k = T_EOF;
		t->len = 0;
		return 0;
	}
	int c = (unsigned char)p->src[p->pos];
	if (c == '\n') {
		t->k = T_NL;
		p->pos++;
		p->line++;
		p->col = 1;
		return 0;
	}
	static const char single[] = ";=[]{}(),:";
	static const tkind kinds[] = {T_SEMI, T_EQ, T_LBRACK, T_RBRACK, T_LBRACE,
				      T_RBRACE, T_LPAREN, T_RPAREN, T_COMMA, T_COLON};
	const char *sp = c ? strchr(single, c) : NULL;
	if (sp) {
		t->k = kinds[sp - single];
		p->pos++;
		p->col++;
		return 0;
	}
	if (c == '"') {
		size_t i = p->pos + 1;
		while (i < p->n && p->src[i] != '"' && p->src[i] != '\n')
			i++;
		if (i >= p->n || p->src[i] != '"')
			return perr(p, t->line, t->col, "unterminated string: expected '\"' before the end of the line");
		t->k = T_STR;
		t->s = p->src + p->pos + 1;
		t->len = (int)(i - p->pos - 1);
		p->col += (int)(i + 1 - p->pos);
		p->pos = i + 1;
		return 0;
	}
	if (is_ident0(c)) {
		size_t i = p->pos;
		while (i < p->n && is_ident((unsigned char)p->src[i]))
			i++;
		t->k = T_IDENT;
		t->len = (int)(i - p->pos);
		p->col += t->len;
		p->pos = i;
		return 0;
	}
	if (isdigit(c) || c == '-' || c == '+' || c == '.') {
		size_t i = p->pos;
		if (p->src[i] == '-' || p->src[i] == '+')
			i++;
		size_t d0 = i;
		while (i < p->n && isdigit((unsigned char)p->src[i]))
			i++;
		int digits = (int)(i - d0);
		if (i < p->n && p->src[i] == '.') {
			i++;
			size_t f0 = i;
			while (i < p->n && isdigit((unsigned char)p->src[i]))
				i++;
			digits += (int)(i - f0);
		}
		if (digits && i < p->n && (p->src[i] == 'e' || p->src[i] == 'E')) {
			size_t j = i + 1;
			if (j < p->n && (p->src[j] == '-' || p->src[j] == '+'))
				j++;
			if (j < p->n && isdigit((unsigned char)p->src[j])) {
				while (j < p->n && isdigit((unsigned char)p->src[j]))
					j++;
				i = j;
			}
		}
		size_t end = i;
		while (end < p->n && (is_ident((unsigned char)p->src[end]) || p->src[end] == '.'))
			end++;
		if (!digits || end != i)
			return perr(p, t->line, t->col, "expected a number, found '%.*s'",
				    (int)((end > i ? end : i) - p->pos > 40 ? 40 : (end > i ? end : i) - p->pos),
				    p->src + p->pos);
		char buf[64];
		size_t len = i - p->pos;
		if (len >= sizeof buf)
			return perr(p, t->line, t->col, "number too long");
		memcpy(buf, p->src + p->pos, len);
		buf[len] = 0;
		errno = 0;
		t->num = strtod(buf, NULL);
		if (errno == ERANGE || !isfinite(t->num))
			return perr(p, t->line, t->col, "number out of range: %s", buf);
		t->k = T_NUM;
		t->len = (int)len;
		p->col += (int)len;
		p->pos = i;
		return 0;
	}
	if (c < 0x20 || c >= 0x7f)
		return perr(p, t->line, t->col, "unexpected byte 0x%02x", c);
	return perr(p, t->line, t->col, "unexpected character '%c'", c);
}

static int advance(parser *p)
{
	if (p->have_ahead) {
		p->cur = p->ahead;
		p->have_ahead = 0;
		return 0;
	}
	return lex(p, &p->cur);
}

static int peek2(parser *p, tok *out)
{
	if (!p->have_ahead) {
		if (lex(p, &p->ahead))
			return -1;
		p->have_ahead = 1;
	}
	*out = p->ahead;
	return 0;
}

static int tok_is(const tok *t, const char *word)
{
	return t->k == T_IDENT && (int)strlen(word) == t->len &&
	       !memcmp(t->s, word, (size_t)t->len);
}

/* Lower-case edit distance, for suggestions. */
static int lc_distance(const char *a, int alen, const char *b)
{
	char x[64], y[64];
	int i;
	for (i = 0; i < alen && i < 63; i++)
		x[i] = (char)tolower((unsigned char)a[i]);
	x[i] = 0;
	for (i = 0; b[i] && i < 63; i++)
		y[i] = (char)tolower((unsigned char)b[i]);
	y[i] = 0;
	return dh_edit_distance(x, y);
}

typedef struct suggest {
	const char *best;
	int dist;
} suggest;

static void sug_try(suggest *s, const char *word, int len, const char *cand)
{
	if (!cand)
		return;
	int d = lc_distance(word, len, cand);
	if (!s->best || d < s->dist) {
		s->best = cand;
		s->dist = d;
	}
}

static const char *sug_text(const suggest *s, int len, char *buf, size_t n)
{
	int lim = len / 3 > 2 ? len / 3 : 2;
	if (s->best && s->dist <= lim)
		snprintf(buf, n, "; did you mean '%s'?", s->best);
	else
		buf[0] = 0;
	return buf;
}

/* --- words (interp, border, ...) ---------------------------------------- */

/* Index of `w` in a "a|b=alias|c" list: aliases after '=' name the entry
 * they stand for by position ("reflect101=3"). */
static int word_index(const char *list, const char *w, int len)
{
	int idx = 0;
	const char *s = list;
	while (*s) {
		const char *e = strchr(s, '|');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *eq = memchr(s, '=', n);
		size_t wn = eq ? (size_t)(eq - s) : n;
		int target = eq ? (int)strtol(eq + 1, NULL, 10) : idx;
		if (wn == (size_t)len && !strncasecmp(s, w, wn))
			return target;
		if (!eq)
			idx++;
		s += n;
		if (*s == '|')
			s++;
	}
	return -1;
}

/* The canonical words of a list, "a, b, c", and the nearest to w. */
static void word_names(const char *list, char *buf, size_t n, const char *w,
		       int wlen, char *near, size_t nn)
{
	const char *s = list;
	size_t o = 0;
	int best = 1 << 30;
	near[0] = buf[0] = 0;
	while (*s) {
		const char *e = strchr(s, '|');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (!memchr(s, '=', len)) {
			o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%.*s",
					      o ? ", " : "", (int)len, s);
			char tmp[32];
			snprintf(tmp, sizeof tmp, "%.*s", (int)len, s);
			int d = lc_distance(w, wlen, tmp);
			if (d < best) {
				best = d;
				snprintf(near, nn, "%s", tmp);
			}
		}
		s += len;
		if (*s == '|')
			s++;
	}
	if (best > (wlen / 3 > 2 ? wlen / 3 : 2))
		near[0] = 0;
	if (o >= n && n)
		buf[n - 1] = 0;
}

/* --- values ------------------------------------------------------------- */

static const char *ptype_expect(aug_ptype t)
{
	switch (t) {
	case PT_NUM: return "a number, a range [a, b] or a choice {a, b, ...}";
	case PT_INT: return "a whole number, a range [a, b] or a choice {a, b, ...}";
	case PT_VEC: return "a number or a vector (a, b, ...)";
	case PT_WORD: return "a word or a choice of words";
	case PT_PROB: return "a probability between 0 and 1";
	}
	return "a value";
}

static int check_num(parser *p, const aug_pspec *ps, const tok *t, double v)
{
	if (ps->type == PT_INT && v != floor(v))
		return perr(p, t->line, t->col, "%s must be a whole number, not %g", ps->name, v);
	if (ps->type == PT_PROB && !(v >= 0 && v <= 1))
		return perr(p, t->line, t->col, "%s must be between 0 and 1, not %g",
			    ps->name, v);
	if (ps->lo < ps->hi && !(v >= ps->lo && v <= ps->hi))
		return perr(p, t->line, t->col, "%s must be between %g and %g, not %g",
			    ps->name, ps->lo, ps->hi, v);
	return 0;
}

static int parse_word(parser *p, const aug_pspec *ps, const tok *t, int *code)
{
	*code = word_index(ps->words, t->s, t->len);
	if (*code >= 0)
		return 0;
	char names[256], near[40];
	word_names(ps->words, names, sizeof names, t->s, t->len, near, sizeof near);
	if (near[0])
		return perr(p, t->line, t->col, "unknown %s '%.*s'; did you mean '%s'? (one of %s)",
			    ps->name, t->len, t->s, near, names);
	return perr(p, t->line, t->col, "unknown %s '%.*s' (one of %s)", ps->name, t->len,
		    t->s, names);
}

/* After `name=`: the value, checked against the parameter's type. */
static int parse_value(parser *p, const aug_pspec *ps, aug_value *v)
{
	char b1[64];
	tok t = p->cur;
	memset(v, 0, sizeof *v);
	if (ps->type == PT_WORD) {
		if (t.k == T_IDENT || t.k == T_STR) {
			v->kind = AV_STR;
			if (parse_word(p, ps, &t, &v->code))
				return -1;
			return advance(p);
		}
		if (t.k == T_LBRACE) {
			v->kind = AV_CHOICE;
			v->words = 1;
			if (advance(p))
				return -1;
			for (;;) {
				tok w = p->cur;
				if (w.k != T_IDENT && w.k != T_STR)
					return perr(p, w.line, w.col, "expected a word in the choice for %s, found %s",
						    ps->name, tdesc(&w, b1, sizeof b1));
				if (v->n >= AUG_MAX_CHOICE)
					return perr(p, w.line, w.col, "too many choices (at most %d)", AUG_MAX_CHOICE);
				if (parse_word(p, ps, &w, &v->codes[v->n]))
					return -1;
				v->n++;
				if (advance(p))
					return -1;
				if (p->cur.k == T_RBRACE)
					break;
				if (p->cur.k != T_COMMA)
					return perr(p, p->cur.line, p->cur.col, "expected ',' or '}' in the choice for %s, found %s",
						    ps->name, tdesc(&p->cur, b1, sizeof b1));
				if (advance(p))
					return -1;
			}
			return advance(p);
		}
		return perr(p, t.line, t.col, "expected %s after '%s=', found %s",
			    ptype_expect(ps->type), ps->name, tdesc(&t, b1, sizeof b1));
	}
	if (t.k == T_NUM) {
		if (check_num(p, ps, &t, t.num))
			return -1;
		v->kind = AV_NUM;
		v->n = 1;
		v->v[0] = t.num;
		return advance(p);
	}
	tkind close;
	if (t.k == T_LBRACK && (ps->type == PT_NUM || ps->type == PT_INT)) {
		v->kind = AV_RANGE;
		close = T_RBRACK;
	} else if (t.k == T_LBRACE && (ps->type == PT_NUM || ps->type == PT_INT)) {
		v->kind = AV_CHOICE;
		close = T_RBRACE;
	} else if (t.k == T_LPAREN && ps->type == PT_VEC) {
		v->kind = AV_VEC;
		close = T_RPAREN;
	} else {
		return perr(p, t.line, t.col, "expected %s after '%s=', found %s",
			    ptype_expect(ps->type), ps->name, tdesc(&t, b1, sizeof b1));
	}
	if (advance(p))
		return -1;
	for (;;) {
		tok x = p->cur;
		if (x.k != T_NUM)
			return perr(p, x.line, x.col, "expected a number in %s's %s, found %s", ps->name,
				    v->kind == AV_RANGE ? "range" : v->kind == AV_VEC ? "vector" : "choice",
				    tdesc(&x, b1, sizeof b1));
		int max = v->kind == AV_RANGE ? 2 : v->kind == AV_VEC ? AUG_MAX_VEC : AUG_MAX_CHOICE;
		if (v->n >= max)
			return perr(p, x.line, x.col, v->kind == AV_RANGE ? "expected ']': a range has two numbers"
					    : "too many numbers (at most %d)", max);
		if (check_num(p, ps, &x, x.num))
			return -1;
		v->v[v->n++] = x.num;
		if (advance(p))
			return -1;
		if (p->cur.k == close)
			break;
		if (p->cur.k != T_COMMA)
			return perr(p, p->cur.line, p->cur.col, "expected ',' or '%c', found %s",
				    close == T_RBRACK ? ']' : close == T_RBRACE ? '}' : ')',
				    tdesc(&p->cur, b1, sizeof b1));
		if (advance(p))
			return -1;
	}
	if (v->kind == AV_RANGE) {
		if (v->n != 2)
			return perr(p, t.line, t.col, "a range has two numbers, [a, b]");
		if (v->v[0] > v->v[1])
			return perr(p, t.line, t.col, "range [%g, %g] of %s: the lower bound is above the upper bound",
				    v->v[0], v->v[1], ps->name);
	}
	return advance(p);
}

/* --- nodes -------------------------------------------------------------- */

static void node_free(aug_node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n);
}

static int add_kid(parser *p, aug_node *parent, aug_node *kid)
{
	if (parent->nkids == parent->capkids) {
		int cap = parent->capkids ? parent->capkids * 2 : 4;
		aug_node **k = cap > 0 ? realloc(parent->kids, sizeof *k * (size_t)cap) : NULL;
		if (!k) {
			node_free(kid);
			dh_err_set(p->e, DH_ENOMEM, "out of memory");
			p->failed = 1;
			return -1;
		}
		parent->kids = k;
		parent->capkids = cap;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

static const aug_pspec prob_spec = {"p", NULL, PT_PROB, 1, NAN, 0, 1, 0, NULL, "probability"};

typedef enum body_end { END_TOP, END_BRACE, END_WORD } body_end;
static int parse_body(parser *p, aug_node *parent, body_end how, const tok *open);

static int container_kind(const tok *t, aug_ntype *type, int *ecvl)
{
	static const struct { const char *w; aug_ntype t; int ecvl; } c[] = {
		{"sequential", AN_SEQ, 0}, {"SequentialAugmentationContainer", AN_SEQ, 1},
		{"oneof", AN_ONEOF, 0}, {"one_of", AN_ONEOF, 0},
		{"OneOfAugmentationContainer", AN_ONEOF, 1},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (tok_is(t, c[i].w)) {
			*type = c[i].t;
			*ecvl = c[i].ecvl;
			return 1;
		}
	return 0;
}

static const aug_tspec *find_transform(const tok *t, int *ecvl)
{
	for (int i = 0; i < aug_ntransforms; i++) {
		const aug_tspec *s = &aug_transforms[i];
		if (tok_is(t, s->name) || (s->alias && tok_is(t, s->alias))) {
			*ecvl = 0;
			return s;
		}
		if (s->ecvl && tok_is(t, s->ecvl)) {
			*ecvl = 1;
			return s;
		}
	}
	return NULL;
}

static int find_param(const aug_node *n, const tok *t, int *is_p)
{
	const aug_tspec *s = n->t;
	*is_p = 0;
	if (s) {
		/* the spelling's own names first */
		for (int pass = 0; pass < 2; pass++) {
			int use_ecvl = n->ecvl ? pass == 0 : pass == 1;
			for (int i = 0; i < AUG_MAX_PARAMS && s->params[i].name; i++) {
				const aug_pspec *ps = &s->params[i];
				const char *nm = use_ecvl ? (ps->ecvl ? ps->ecvl : ps->name) : ps->name;
				if (!use_ecvl || n->ecvl || strcmp(nm, "p"))
					if (tok_is(t, nm))
						return i;
			}
		}
	}
	if (tok_is(t, "p")) {
		*is_p = 1;
		return -1;
	}
	return -1;
}

static int parse_params(parser *p, aug_node *n, const char *what)
{
	char b1[64], b2[128];
	int seen_p = 0;
	while (p->cur.k == T_IDENT) {
		tok name = p->cur;
		int is_p, i = find_param(n, &name, &is_p);
		if (i < 0 && !is_p) {
			suggest sg = {0};
			sug_try(&sg, name.s, name.len, "p");
			for (int j = 0; n->t && j < AUG_MAX_PARAMS && n->t->params[j].name; j++) {
				const aug_pspec *ps = &n->t->params[j];
				sug_try(&sg, name.s, name.len,
					n->ecvl && ps->ecvl ? ps->ecvl : ps->name);
			}
			tok nx;
			if (peek2(p, &nx))
				return -1;
			if (nx.k != T_EQ && (tok_is(&name, "end") || n->t))
				return perr(p, name.line, name.col,
					    "expected a parameter (name=value), ';' or a new line after %s, found '%.*s'",
					    what, name.len, name.s);
			return perr(p, name.line, name.col, "unknown parameter '%.*s' for %s%s",
				    name.len, name.s, what, sug_text(&sg, name.len, b2, sizeof b2));
		}
		if (advance(p))
			return -1;
		if (p->cur.k != T_EQ)
			return perr(p, p->cur.line, p->cur.col, "expected '=' after '%.*s', found %s",
				    name.len, name.s, tdesc(&p->cur, b1, sizeof b1));
		if (advance(p))
			return -1;
		if (is_p) {
			if (seen_p)
				return perr(p, name.line, name.col, "parameter 'p' given twice");
			seen_p = 1;
			aug_value v;
			if (parse_value(p, &prob_spec, &v))
				return -1;
			n->p = v.v[0];
			continue;
		}
		if (n->vals[i].kind != AV_NONE)
			return perr(p, name.line, name.col, "parameter '%.*s' given twice", name.len, name.s);
		if (parse_value(p, &n->t->params[i], &n->vals[i]))
			return -1;
	}
	return 0;
}

static int check_required(parser *p, aug_node *n, const tok *at)
{
	if (!strcmp(n->t->name, "resize") && n->vals[0].kind == AV_NONE &&
	    n->vals[1].kind == AV_NONE)
		return perr(p, at->line, at->col, "%.*s needs %s=(w, h) or scale=(sx, sy)",
			    at->len, at->s, n->ecvl ? "dims" : "size");
	for (int i = 0; i < AUG_MAX_PARAMS && n->t->params[i].name; i++) {
		const aug_pspec *ps = &n->t->params[i];
		if (n->vals[i].kind == AV_NONE && isnan(ps->def) && !ps->optional && ps->type != PT_WORD)
			return perr(p, at->line, at->col, "%.*s needs %s=%s%s%s", at->len, at->s,
				    n->ecvl && ps->ecvl ? ps->ecvl : ps->name,
				    ps->type == PT_VEC ? "(...)" : "...",
				    ps->unit ? " " : "", ps->unit ? ps->unit : "");
	}
	return 0;
}

static aug_node *parse_stmt(parser *p)
{
	char b1[64], b2[128];
	tok t = p->cur;
	if (t.k != T_IDENT) {
		perr(p, t.line, t.col, "expected a transform or a container name, found %s",
		     tdesc(&t, b1, sizeof b1));
		return NULL;
	}
	aug_node *n = calloc(1, sizeof *n);
	if (!n) {
		dh_err_set(p->e, DH_ENOMEM, "out of memory");
		p->failed = 1;
		return NULL;
	}
	n->line = t.line;
	n->col = t.col;
	n->p = 1;
	aug_ntype ct;
	int ecvl;
	if (container_kind(&t, &ct, &ecvl)) {
		n->type = ct;
		n->ecvl = ecvl;
		char what[48];
		snprintf(what, sizeof what, "'%.*s'", t.len > 40 ? 40 : t.len, t.s);
		if (advance(p) || parse_params(p, n, what))
			goto fail;
		if (++p->depth > AUG_MAX_DEPTH) {
			perr(p, t.line, t.col, "containers nested deeper than %d", AUG_MAX_DEPTH);
			goto fail;
		}
		if (p->cur.k == T_LBRACE) {
			tok open = p->cur;
			if (advance(p) || parse_body(p, n, END_BRACE, &open))
				goto fail;
		} else if (p->cur.k == T_NL || p->cur.k == T_SEMI || p->cur.k == T_EOF) {
			if (parse_body(p, n, END_WORD, &t))
				goto fail;
		} else {
			perr(p, p->cur.line, p->cur.col,
			     "expected a parameter, '{' or a new line after %s, found %s", what,
			     tdesc(&p->cur, b1, sizeof b1));
			goto fail;
		}
		p->depth--;
		if (advance(p)) /* the closing '}' or 'end' */
			goto fail;
		return n;
	}
	n->type = AN_LEAF;
	n->t = find_transform(&t, &n->ecvl);
	if (!n->t) {
		suggest sg = {0};
		for (int i = 0; i < aug_ntransforms; i++) {
			sug_try(&sg, t.s, t.len, aug_transforms[i].name);
			sug_try(&sg, t.s, t.len, aug_transforms[i].alias);
			sug_try(&sg, t.s, t.len, aug_transforms[i].ecvl);
		}
		sug_try(&sg, t.s, t.len, "sequential");
		sug_try(&sg, t.s, t.len, "oneof");
		sug_try(&sg, t.s, t.len, "SequentialAugmentationContainer");
		sug_try(&sg, t.s, t.len, "OneOfAugmentationContainer");
		perr(p, t.line, t.col, "unknown transform '%.*s'%s", t.len, t.s,
		     sug_text(&sg, t.len, b2, sizeof b2));
		goto fail;
	}
	n->p = n->t->pdef;
	char what[48];
	snprintf(what, sizeof what, "%.*s", t.len > 40 ? 40 : t.len, t.s);
	if (advance(p) || parse_params(p, n, what) || check_required(p, n, &t))
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

static int at_section(parser *p)
{
	if (p->cur.k != T_IDENT)
		return 0;
	tok nx;
	if (peek2(p, &nx))
		return -1;
	return nx.k == T_COLON;
}

static int skip_seps(parser *p)
{
	while (p->cur.k == T_NL || p->cur.k == T_SEMI)
		if (advance(p))
			return -1;
	return 0;
}

static int parse_body(parser *p, aug_node *parent, body_end how, const tok *open)
{
	char b1[64];
	for (;;) {
		if (skip_seps(p))
			return -1;
		if (how == END_TOP) {
			int s = at_section(p);
			if (s < 0)
				return -1;
			if (s || p->cur.k == T_EOF)
				return 0;
		} else if (how == END_BRACE && p->cur.k == T_RBRACE) {
			return 0;
		} else if (how == END_WORD && tok_is(&p->cur, "end")) {
			return 0;
		} else if (p->cur.k == T_EOF) {
			return perr(p, p->cur.line, p->cur.col,
				    "expected %s to close the container opened at %d:%d, found end of file",
				    how == END_BRACE ? "'}'" : "'end'", open->line, open->col);
		}
		if (tok_is(&p->cur, "end") && how != END_WORD)
			return perr(p, p->cur.line, p->cur.col, "'end' without an open container%s",
				    how == END_BRACE ? " (this one opened with '{' closes with '}')" : "");
		if (p->cur.k == T_RBRACE && how != END_BRACE)
			return perr(p, p->cur.line, p->cur.col, "'}' without an open '{'");
		aug_node *kid = parse_stmt(p);
		if (!kid)
			return -1;
		if (add_kid(p, parent, kid))
			return -1;
		tkind k = p->cur.k;
		if (k == T_NL || k == T_SEMI || k == T_EOF || (k == T_RBRACE && how == END_BRACE))
			continue;
		return perr(p, p->cur.line, p->cur.col,
			    "expected ';' or a new line after a transform, found %s",
			    tdesc(&p->cur, b1, sizeof b1));
	}
}

static void aug_free_splits(dh_aug *a)
{
	for (int i = 0; i < a->nsplits; i++) {
		free(a->splits[i].name);
		node_free(a->splits[i].root);
	}
	free(a->splits);
}

void dh_aug_free(dh_aug *a)
{
	if (!a)
		return;
	aug_free_splits(a);
	free(a->name);
	free(a);
}

static aug_split *new_split(parser *p, dh_aug *a, const char *name, int len)
{
	aug_split *s = realloc(a->splits, sizeof *s * (size_t)(a->nsplits + 1));
	if (!s)
		goto oom;
	a->splits = s;
	s = &a->splits[a->nsplits];
	memset(s, 0, sizeof *s);
	s->name = malloc((size_t)len + 1);
	s->root = calloc(1, sizeof *s->root);
	if (!s->name || !s->root) {
		free(s->name);
		free(s->root);
		goto oom;
	}
	memcpy(s->name, name, (size_t)len);
	s->name[len] = 0;
	s->root->type = AN_SEQ;
	s->root->p = 1;
	a->nsplits++;
	return s;
oom:
	dh_err_set(p->e, DH_ENOMEM, "out of memory");
	p->failed = 1;
	return NULL;
}

dh_aug *dh_aug_parse_string(const char *text, const char *name, dh_err *e)
{
	parser p = {0};
	p.src = text;
	p.n = strlen(text);
	p.line = p.col = 1;
	p.name = name ? name : "<string>";
	p.e = e;
	dh_aug *a = calloc(1, sizeof *a);
	if (!a || !(a->name = strdup(p.name))) {
		free(a);
		dh_err_set(e, DH_ENOMEM, "out of memory");
		return NULL;
	}
	/* a UTF-8 byte order mark is allowed at the start */
	if (p.n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.pos = 3;
	if (advance(&p) || skip_seps(&p))
		goto fail;
	int s = at_section(&p);
	if (s < 0)
		goto fail;
	if (!s) {
		aug_split *sp = new_split(&p, a, "training", 8);
		if (!sp || parse_body(&p, sp->root, END_TOP, NULL))
			goto fail;
		if (p.cur.k != T_EOF) {
			perr(&p, p.cur.line, p.cur.col,
			     "a section header ('%.*s:') after statements outside any section; put the first statements under a header too",
			     p.cur.len, p.cur.s);
			goto fail;
		}
		return a;
	}
	while (p.cur.k != T_EOF) {
		tok h = p.cur;
		for (int i = 0; i < a->nsplits; i++)
			if (tok_is(&h, a->splits[i].name)) {
				perr(&p, h.line, h.col, "section '%.*s' appears twice", h.len, h.s);
				goto fail;
			}
		aug_split *sp = new_split(&p, a, h.s, h.len);
		if (!sp || advance(&p) || advance(&p) /* name, ':' */ ||
		    parse_body(&p, sp->root, END_TOP, NULL))
			goto fail;
	}
	return a;
fail:
	if (!p.failed)
		dh_err_set(e, DH_EFORMAT, "%s: parse error", p.name);
	dh_aug_free(a);
	return NULL;
}

dh_aug *dh_aug_parse_file(const char *path, dh_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		dh_err_errno(e, errno, "cannot open '%s'", path);
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			dh_err_set(e, DH_ENOMEM, "out of memory reading '%s'", path);
			return NULL;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (n + 1 >= cap) {
			if (cap >= AUG_MAX_FILE) {
				free(buf);
				fclose(f);
				dh_err_set(e, DH_EFORMAT, "%s: larger than %d MiB: not an augmentation file",
					   path, AUG_MAX_FILE >> 20);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		dh_err_errno(e, EIO, "cannot read '%s'", path);
		return NULL;
	}
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		size_t at = strlen(buf);
		int line = 1, col = 1;
		for (size_t i = 0; i < at; i++, col++)
			if (buf[i] == '\n')
				line++, col = 0;
		free(buf);
		dh_err_set(e, DH_EFORMAT, "%s:%d:%d: unexpected byte 0x00", path, line, col);
		return NULL;
	}
	dh_aug *a = dh_aug_parse_string(buf, path, e);
	free(buf);
	return a;
}

int dh_aug_has_split(const dh_aug *a, const char *split)
{
	if (!a || !split)
		return 0;
	for (int i = 0; i < a->nsplits; i++)
		if (!strcmp(a->splits[i].name, split))
			return 1;
	return 0;
}

int dh_aug_split_count(const dh_aug *a)
{
	return a ? a->nsplits : 0;
}

const char *dh_aug_split_name(const dh_aug *a, int i)
{
	return a && i >= 0 && i < a->nsplits ? a->splits[i].name : NULL;
}
