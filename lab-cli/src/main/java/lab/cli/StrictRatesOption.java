package lab.cli;

import picocli.CommandLine.Option;

/** Whether a significant rate rise with the same verdict fails like a regression: shared by compare and nightly. */
final class StrictRatesOption {
    @Option(names = "--strict-rates", description = "a significant rate rise with the same verdict also counts as a regression")
    boolean strictRates;
}
