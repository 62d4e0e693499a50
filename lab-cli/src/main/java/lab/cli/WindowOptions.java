package lab.cli;

import picocli.CommandLine.Option;

/** Which nights a history shows, and which day is today: shared by history and nightly. */
final class WindowOptions {
    @Option(names = "--since", paramLabel = "WINDOW", description = "the history shows nights in this window: 14d, 2w or a date (default: all)")
    String since;

    @Option(names = "--date", paramLabel = "DATE", description = "today's date instead of the clock's (2026-11-25, or an instant); also LAB_CLOCK in the environment")
    String date;
}
