#ifndef FPS_CNCURSESW_SHIM_H
#define FPS_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <wchar.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>
#include <ncursesw/panel.h>
#include <ncursesw/term.h>

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

// Returns a terminfo string capability, or NULL when the terminal lacks it (tigetstr
// returns (char *)-1 for a name that is not a string capability).
static inline const char *fps_tigetstr(const char *name) {
    char *value = tigetstr(name);
    return (value == NULL || value == (char *)-1) ? NULL : value;
}

// Reads the window size of fd 1 into *row_count and *column_count; returns 0 on success.
// ioctl is variadic, which Swift cannot call directly.
#include <sys/ioctl.h>
static inline int fps_window_size(int *row_count, int *column_count) {
    struct winsize size;
    if (ioctl(1, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return -1;
    *row_count = size.ws_row;
    *column_count = size.ws_col;
    return 0;
}

// Crash restore: a fault or abort while curses owns the terminal would leave the shell in
// raw mode on the alternate screen. The handler writes the saved reset sequence, puts the
// saved terminal modes back, reinstalls the previous handler and returns, so the fault
// repeats (or abort re-raises) under the previous handler, such as Swift's backtracer.
// Only async-signal-safe calls (write, tcsetattr, sigaction) run in the handler.
enum { FPS_CRASH_SIGNAL_COUNT = 6, FPS_RESET_CAPACITY = 256 };
struct fps_crash_restore {
    struct termios modes;
    int has_modes;
    char reset[FPS_RESET_CAPACITY];
    size_t reset_length;
    struct sigaction previous[FPS_CRASH_SIGNAL_COUNT];
};
static inline struct fps_crash_restore *fps_crash_restore_state(void) {
    static struct fps_crash_restore state;
    return &state;
}
static inline const int *fps_crash_signals(void) {
    static const int signals[FPS_CRASH_SIGNAL_COUNT] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    return signals;
}
static inline void fps_crash_handler(int signal_number) {
    struct fps_crash_restore *state = fps_crash_restore_state();
    if (state->reset_length > 0) { ssize_t ignored = write(1, state->reset, state->reset_length); (void)ignored; }
    if (state->has_modes) tcsetattr(0, TCSANOW, &state->modes);
    for (int i = 0; i < FPS_CRASH_SIGNAL_COUNT; i++) {
        if (fps_crash_signals()[i] == signal_number) sigaction(signal_number, &state->previous[i], NULL);
    }
}
// Saves the terminal modes of fd 0; call it before curses changes them.
static inline void fps_crash_restore_save_modes(void) {
    struct fps_crash_restore *state = fps_crash_restore_state();
    state->has_modes = tcgetattr(0, &state->modes) == 0;
}
// Stores the bytes that undo curses' screen set-up and installs the handler.
static inline void fps_install_crash_restore(const char *reset) {
    struct fps_crash_restore *state = fps_crash_restore_state();
    state->reset_length = 0;
    if (reset != NULL) {
        size_t length = strlen(reset);
        if (length >= FPS_RESET_CAPACITY) length = FPS_RESET_CAPACITY - 1;
        memcpy(state->reset, reset, length);
        state->reset_length = length;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = fps_crash_handler;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < FPS_CRASH_SIGNAL_COUNT; i++) sigaction(fps_crash_signals()[i], &action, &state->previous[i]);
}
static inline void fps_remove_crash_restore(void) {
    struct fps_crash_restore *state = fps_crash_restore_state();
    for (int i = 0; i < FPS_CRASH_SIGNAL_COUNT; i++) sigaction(fps_crash_signals()[i], &state->previous[i], NULL);
}
#endif
