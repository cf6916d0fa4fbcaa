package dev.saef.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code saef} command: the demo (the README's main job), check and keys. */
@Timeout(120)
class CliTest {

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoRunsPskSaefEndToEnd() throws Exception {
        Run r = run("demo");
        assertEquals(0, r.status(), r.err());
        String o = r.out();
        assertTrue(o.contains("KpsaID ae-demo@in.example.com, peer bound to CAEdemo (configured)"), o);
        assertTrue(o.contains("peer bound to 12-ae-new@in.example.com (Credential-ID, clause 10.4)"), o);
        assertTrue(o.contains("server bound to /id-in (IdB)"), o);
        assertTrue(o.contains("From=CAEother -> ORIGINATOR_NOT_AUTHENTICATED (4106)"), o);
        assertTrue(o.contains("AE:  HTTP 201, X-M2M-RSC 2001"), o);
        assertTrue(o.contains("AE:  HTTP 403, X-M2M-RSC 4106"), o);
        assertTrue(o.contains("TLS_PSK_WITH_"), o);
        assertFalse(o.contains("key=hex"), o);
    }

    @Test
    void checkListsAssociationsWithoutKeys(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("associations");
        Files.writeString(t, "ae42@sp.example.com peer=/id-in address=cse.example.net:8443"
                + " key=hex:00112233445566778899aabbccddeeff\nnode7@mef.example.com peer=CAE-node7"
                + " key=base64:ABEiM0RVZneImaq7zN3u/w==\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        Run r = run("check", "--associations", t.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("ae42@sp.example.com"), r.out());
        assertTrue(r.out().contains("cse.example.net:8443"), r.out());
        assertTrue(r.out().contains("2 association(s), configuration OK"), r.out());
        assertFalse(r.out().contains("00112233"), r.out());
        assertFalse(r.out().contains("ABEiM0RV"), r.out());

        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        r = run("check", "--associations", t.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("chmod 600 " + t), r.err());
    }

    @Test
    void unknownCommandIsAUsageError() throws Exception {
        Run r = run("frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
    }
}
