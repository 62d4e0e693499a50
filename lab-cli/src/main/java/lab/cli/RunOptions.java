package lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Params;
import lab.core.expect.Expectations;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What `run` and `soak` share: parameters, arms, trials, random seed, output and expectations. */
final class RunOptions {
    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "scenario parameter (repeatable)")
    List<String> params = new ArrayList<>();

    @Option(names = "--arms", split = ",", paramLabel = "ARM", description = "arms to run (default: all); a soak or nightly of several scenarios also takes SCENARIO:ARM, one scenario's arm")
    List<String> arms = new ArrayList<>();

    @Option(names = "--trials", paramLabel = "N", description = "trials per arm (default: the scenario's)")
    Long trials;

    @Option(names = "--seed", paramLabel = "N", description = "random seed (recorded in run.json; default: random; a soak's repetition i uses N+i-1)")
    Long randomSeed;

    @Mixin
    OutOption output = new OutOption();

    @Option(names = "--expectations", paramLabel = "DIR", description = "expected verdicts (<scenario>.yaml files; default: the bundled ones)")
    Path expectations;

    Path out() {
        return output.out;
    }

    /** The --expectations files, checked: bad input before anything starts; null when none was given. */
    Expectations expectationFiles() {
        return expectations == null ? null : Expectations.from(expectations);
    }

    Map<String, String> paramMap() {
        return Params.parsePairs(params);
    }
}
