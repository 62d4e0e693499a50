package lab.core.agent;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The stdin of a long-lived exec: lines queued by any thread, read by the engine client's
 * hijack thread. (PipedInputStream breaks when the writing thread ends: "write end dead".)
 */
final class StdinPipe extends InputStream {
    private static final byte[] EOF = new byte[0];
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current;
    private int pos;
    private volatile boolean closed;

    void writeLine(String line) {
        if (closed) throw new IllegalStateException("stdin already closed");
        chunks.add((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            chunks.add(EOF);
        }
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        try {
            if (current == null || pos >= current.length) {
                current = chunks.take();
                pos = 0;
                if (current == EOF) {
                    chunks.add(EOF);
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
