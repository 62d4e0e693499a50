package lab.core.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lab.core.host.ProcFiles;

/**
 * How QEMU runs the guest's CPUs, and why. KVM only where the host's CPU has hardware
 * virtualization and /dev/kvm is the real thing: a /dev/kvm from a software hypervisor
 * (kvm_pvm) runs a stock kernel more than 100 times slower than TCG's emulation, and
 * {@code -cpu host} aborts there. {@code LAB_GUEST_ACCEL=tcg|kvm} overrides the probe.
 */
public record Accel(String name, String why) {
    public static Accel probe() {
        String forced = System.getenv("LAB_GUEST_ACCEL");
        if ("tcg".equals(forced) || "kvm".equals(forced)) return new Accel(forced, "LAB_GUEST_ACCEL=" + forced);
        if (!Files.isWritable(Path.of("/dev/kvm"))) return new Accel("tcg", "no usable /dev/kvm");
        if (Files.isDirectory(Path.of("/sys/module/kvm_pvm"))) {
            return new Accel("tcg", "/dev/kvm is kvm_pvm, a software hypervisor that runs stock kernels far slower than TCG");
        }
        String flags = ProcFiles.read(Path.of("/proc/cpuinfo")).orElse("").lines()
                .filter(l -> l.startsWith("flags")).findFirst().orElse("");
        boolean hw = List.of(flags.split("\\s+")).stream().anyMatch(f -> f.equals("vmx") || f.equals("svm"));
        if (!hw) return new Accel("tcg", "the CPU shows no vmx/svm flag");
        return new Accel("kvm", "/dev/kvm with hardware virtualization (" + (flags.contains(" vmx") ? "vmx" : "svm") + ")");
    }

    /** QEMU's -accel and -cpu arguments. */
    public List<String> qemuArgs() {
        return "kvm".equals(name)
                ? List.of("-accel", "kvm", "-cpu", "host")
                : List.of("-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max");
    }
}
