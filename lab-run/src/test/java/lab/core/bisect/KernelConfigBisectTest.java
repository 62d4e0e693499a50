package lab.core.bisect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.kernel.GuestTools;
import lab.core.host.KernelConfig;
import lab.core.kernel.KernelConfigs;
import lab.core.kernel.KernelSource;
import lab.core.kernel.KernelSpec;
import lab.core.run.ExitCodes;
import lab.records.BisectRecord;
import lab.records.Difference;
import lab.records.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Config bisection on a tree whose olddefconfig (real make) keeps what it is given: the options
 * that differ are found, each candidate is the good config with some of the bad one's values,
 * and ddmin names the one option the (synthetic) verdict follows.
 */
class KernelConfigBisectTest {
    @Test
    void namesTheOneOptionThatFlipsTheVerdict(@TempDir Path tmp) throws Exception {
        assumeTrue(GuestTools.has("make"), "make is not installed (scripts/kernel-build-tools.sh installs it)");
        Path tree = Files.createDirectories(tmp.resolve("linux"));
        Files.createDirectories(tree.resolve("arch/x86"));
        Files.writeString(tree.resolve("Kconfig"), "mainmenu \"fake\"\n");
        Files.writeString(tree.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        Files.writeString(tree.resolve("Makefile"), "olddefconfig:\n\t@true\n");
        Path good = Files.writeString(tmp.resolve("good.config"), "CONFIG_X86=y\nCONFIG_NETCONSOLE=m\nCONFIG_BONDING=m\n# CONFIG_KPROBES is not set\nCONFIG_HZ=250\n");
        Path bad = Files.writeString(tmp.resolve("bad.config"), "CONFIG_X86=y\nCONFIG_NETCONSOLE=y\nCONFIG_BONDING=y\nCONFIG_KPROBES=y\nCONFIG_HZ=1000\n");
        KernelSource src = KernelSpec.parse("src:" + tree).source();
        KernelConfigs.Pair pair = KernelConfigs.of(src, good, bad, List.of(), System.out::println);
        assertEquals(List.of(new KernelConfigs.Option("CONFIG_BONDING", "m", "y"), new KernelConfigs.Option("CONFIG_HZ", "250", "1000"),
                new KernelConfigs.Option("CONFIG_KPROBES", "n", "y"), new KernelConfigs.Option("CONFIG_NETCONSOLE", "m", "y")), pair.differences());
        // the verdict follows netconsole built in, as the candidate's config file says
        SyntheticRunner r = new SyntheticRunner(c -> {
            Path config = c.kernel().source().configFile();
            return "y".equals(KernelConfig.read(config).orElseThrow().get("CONFIG_NETCONSOLE").orElse("n")) ? 1.0 : 0.0;
        }, 1L, false);
        Side side = new Side(Map.of(), Map.of());
        Bisect.Plan plan = new Bisect.Plan("netconsole-bond-slave", "slave", 0.95, 6, 12, good.toString(), bad.toString(), side, side,
                List.of(pair.good(), pair.bad()), Map.of(), null);
        Bisect.Result res = new Bisect(System.out::println, r).startKernelConfigs(plan, pair.differences(), tmp.resolve("out"));
        BisectRecord rec = res.record();
        assertEquals(ExitCodes.OK, res.exitCode(), rec.where());
        assertEquals("kernel-config", rec.kind());
        assertEquals(List.of(new Difference("kconfig", "CONFIG_NETCONSOLE", "m", "y")), rec.culprit());
        assertTrue(rec.oneMinimal());
        assertTrue(rec.replay().contains("--kernel-tree " + lab.api.ShellWords.quote(tree.toString()) + " --good-config " + lab.api.ShellWords.quote(good.toString())
                + " --bad-config " + lab.api.ShellWords.quote(bad.toString())), rec.replay());
        // resumable: bisect.json reads back with its kind
        assertEquals("kernel-config", Bisect.read(res.dir()).kind());
    }
}
