/* wordfreq: count the words of standard input and print the most frequent ones. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE 65536

struct entry {
	char *word;
	unsigned long count;
};

static struct entry table[TABLE];

static unsigned long hash(const char *s)
{
	unsigned long h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void add(const char *word)
{
	unsigned long i = hash(word) % TABLE;
	while (table[i].word && strcmp(table[i].word, word) != 0)
		i = (i + 1) % TABLE;
	if (!table[i].word) {
		table[i].word = strdup(word);
		if (!table[i].word) {
			perror("strdup");
			exit(1);
		}
	}
	table[i].count++;
}

static int by_count(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->word ? x->word : "", y->word ? y->word : "");
}

int main(int argc, char **argv)
{
	char word[256];
	size_t len = 0;
	int c, top = argc > 1 ? atoi(argv[1]) : 10;
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts("wordfreq 1.2");
		return 0;
	}
	while ((c = getchar()) != EOF) {
		if (isalnum(c) && len < sizeof word - 1) {
			word[len++] = (char)tolower(c);
		} else if (len) {
			word[len] = '\0';
			add(word);
			len = 0;
		}
	}
	if (len) {
		word[len] = '\0';
		add(word);
	}
	qsort(table, TABLE, sizeof table[0], by_count);
	for (int i = 0; i < top && i < TABLE && table[i].word; i++)
		printf("%7lu %s\n", table[i].count, table[i].word);
	return 0;
}
