package lab.cli;

import java.io.PrintStream;
import java.util.Locale;
import lab.api.Progress;

/** Human output: lines on stdout, live progress on stderr (a rewritten line on a terminal, a line every 10 s otherwise). */
final class Say implements Progress {
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final boolean tty = System.console() != null;
    private long lastPlain;
    private boolean dirty;

    synchronized void line(String s) {
        clear();
        out.println(s);
        out.flush();
    }

    @Override
    public synchronized void update(String what, long done, long total, String detail) {
        String msg = String.format(Locale.ROOT, "  %s: %d/%d %s", what, done, total, detail);
        if (tty) {
            err.print("\r" + msg + "\033[K");
            err.flush();
            dirty = true;
        } else if (System.currentTimeMillis() - lastPlain > 10_000) {
            lastPlain = System.currentTimeMillis();
            err.println(msg);
            err.flush();
        }
    }

    @Override
    public synchronized void clear() {
        if (dirty) {
            err.print("\r\033[K");
            err.flush();
            dirty = false;
        }
    }
}
