package lab.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The CLI run in the test's JVM: its exit code and what it printed on stdout (echoed, so the test log keeps it). */
record Said(int code, String out) {
    static Said lab(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return new Said(LabCli.execute(args), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
    }
}
