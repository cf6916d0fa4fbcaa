package dev.saef.fuzz;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a fuzz target on input files outside JUnit and Jazzer, strictly (no tolerated findings
 * unless {@code -Dsaef.fuzz.tolerate} is given), printing {@code PASS file} or {@code FAIL file:
 * finding} per file; exit status 1 when any failed. fuzz/run.sh uses it to promote only passing
 * corpus entries into the committed regression corpus; also handy to triage a finding:
 * {@code java -cp <test class path> dev.saef.fuzz.Replay dev.saef.jsse.HandshakeFuzzTest handshake FILE...}
 */
public final class Replay {

    private Replay() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Replay <test class> <method> <input file>...");
            System.exit(2);
        }
        Class<?> c = Class.forName(args[0]);
        var ctor = c.getDeclaredConstructor();
        ctor.setAccessible(true);
        Object test = ctor.newInstance();
        Method m = c.getDeclaredMethod(args[1], byte[].class);
        m.setAccessible(true);
        boolean failed = false;
        for (int i = 2; i < args.length; i++) {
            byte[] input = Files.readAllBytes(Path.of(args[i]));
            try {
                m.invoke(test, (Object) input);
                System.out.println("PASS " + args[i]);
            } catch (InvocationTargetException e) {
                failed = true;
                System.out.println("FAIL " + args[i] + ": " + e.getCause());
            }
        }
        System.exit(failed ? 1 : 0);
    }
}
