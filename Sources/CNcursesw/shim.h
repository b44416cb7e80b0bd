#ifndef FPS_CNCURSESW_SHIM_H
#define FPS_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/panel.h>

// Swift cannot import C macros with arguments or C globals under strict concurrency,
// so these accessors stand in for them.
static inline WINDOW *fps_stdscr(void) { return stdscr; }
static inline int fps_lines(void) { return LINES; }
static inline int fps_cols(void) { return COLS; }
static inline int fps_colors(void) { return COLORS; }
static inline int fps_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t fps_color_pair(short n) { return (attr_t)COLOR_PAIR(n); }
static inline attr_t fps_a_bold(void) { return A_BOLD; }
static inline attr_t fps_a_reverse(void) { return A_REVERSE; }
static inline attr_t fps_a_underline(void) { return A_UNDERLINE; }
static inline attr_t fps_a_dim(void) { return A_DIM; }
static inline attr_t fps_a_normal(void) { return A_NORMAL; }
static inline int fps_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int fps_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int fps_key_code_yes(void) { return KEY_CODE_YES; }

// The console hands these FILE streams to newterm; Swift 6 rejects the C globals directly.
static inline FILE *fps_stdout(void) { return stdout; }
static inline FILE *fps_stdin(void) { return stdin; }

// glibc declares wcwidth only under _XOPEN_SOURCE, which the module build of <wchar.h> may not
// see, so the prototype is repeated here for the display-width wrapper.
extern int wcwidth(wchar_t c);
static inline int fps_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }
static inline const char *fps_codeset(void) { return nl_langinfo(CODESET); }
#endif
